package dev.nonstop.config;

import java.time.Duration;
import java.util.List;

/**
 * The steps of {@code strategy: canary} ({@code canary:} in the file): the new group takes
 * {@code percent} of the requests for {@code hold}, is judged, and goes on to the next step; after
 * the last one it takes all of them (then the bake watches it).
 */
public record Canary(List<Step> steps) {
  public static final Canary DEFAULT = new Canary(List.of(
      new Step(5, Duration.ofSeconds(30)), new Step(25, Duration.ofSeconds(30)), new Step(50, Duration.ofSeconds(30))));

  /** One step: the new group's share of requests, from 1 to 100, and how long it is held. */
  public record Step(int percent, Duration hold) {
    @Override
    public String toString() {
      return percent + "% for " + Durations.format(hold);
    }
  }

  public Canary {
    steps = List.copyOf(steps);
  }
}
