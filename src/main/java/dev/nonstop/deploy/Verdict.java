package dev.nonstop.deploy;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What the judge made of a new release, with the numbers that decided it, in the report and the
 * event stream.
 *
 * @param outcome failed as soon as something is clearly wrong; passed at the end of the bake
 * @param reason one line, with the numbers
 * @param newer the new release over the judged window
 * @param older the old release over the same window (or, if it served too little of it, over its
 *     life in this daemon); null when nothing was live before
 */
public record Verdict(Outcome outcome, String reason, Numbers newer, Numbers older) {

  /** Where the judging stands. */
  public enum Outcome {
    /** Nothing wrong so far; the bake goes on. */
    WATCHING,
    PASSED,
    FAILED;

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One release's traffic over a window: requests, 5xx and proxy errors, p99 latency. */
  public record Numbers(String release, long requests, long errors, double p99Ms) {
    /** Errors as a share of requests, 0 with none. */
    public double errorShare() {
      return requests == 0 ? 0 : (double) errors / requests;
    }

    @Override
    public String toString() {
      return release + ": " + requests + " requests, " + errors + " errors ("
          + percent(errorShare()) + "), p99 " + String.format(Locale.ROOT, "%.1f ms", p99Ms);
    }
  }

  public boolean failed() {
    return outcome == Outcome.FAILED;
  }

  /**
   * The verdict as an event line: the outcome, why, and both releases' numbers; while it is still
   * watching, what it saw so far (only a passed or failed verdict is one).
   */
  public String line() {
    String numbers = " [" + newer + (older == null ? "" : "; " + older) + "]";
    if (outcome == Outcome.WATCHING) {
      return "judged so far: " + newer.release() + ": " + reason + numbers;
    }
    return "verdict: " + newer.release() + " " + outcome.word() + ": " + reason + numbers;
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, share < 0.1 ? "%.1f%%" : "%.0f%%", share * 100);
  }
}
