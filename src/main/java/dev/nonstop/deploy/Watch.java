package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.deploy.Verdict.Numbers;
import java.time.Duration;
import java.util.List;

/**
 * One deployment's judging over time: the new release's traffic since the deployment started
 * against the old release's over the same window, and the bake's clock. Time is a parameter: the
 * guard's ticker passes {@code now}, tests a fake one.
 *
 * <p>The old release's window is the same as the new one's when it served at least
 * {@code min-requests} of it (in-place batches, canary steps, blue-green before the switch); else
 * it is its whole life in this daemon, the best baseline there is.
 *
 * <p>Not thread-safe: the guard's ticker thread owns it.
 */
final class Watch {
  private final Judge judge;
  private final String newer;
  private final String older;
  private final Traffic.Snapshot start;
  private long bakeEnd;
  private boolean baking;

  /**
   * @param newer the new release's label (its version)
   * @param older the old release's, or null when nothing was live or it is the same version
   * @param start the counts when the deployment started
   */
  Watch(Judge judge, String newer, String older, Traffic.Snapshot start) {
    this.judge = requireNonNull(judge, "judge");
    this.newer = requireNonNull(newer, "newer");
    this.older = older == null || older.equals(newer) ? null : older;
    this.start = requireNonNull(start, "start");
  }

  /** The bake starts at {@code nowNanos} and lasts {@code length} (zero: one last verdict at once). */
  void bake(long nowNanos, Duration length) {
    bakeEnd = nowNanos + length.toNanos();
    baking = true;
  }

  boolean baking() {
    return baking;
  }

  /** How much of the bake is left at {@code nowNanos}: zero once it is over or before it started. */
  Duration remaining(long nowNanos) {
    return baking ? Duration.ofNanos(Math.max(0, bakeEnd - nowNanos)) : Duration.ZERO;
  }

  /**
   * The verdict at {@code nowNanos} with the counts {@code now}: FAILED as soon as the judge finds
   * the new release worse, PASSED once the bake is over without that, else WATCHING.
   *
   * @param exits one line for each exit of a server of the new release since the start
   */
  Verdict observe(long nowNanos, Traffic.Snapshot now, List<String> exits) {
    Numbers n = numbers(newer, now.counts().get(newer), start.counts().get(newer));
    Numbers o = older == null ? null : olderNumbers(now);
    if (baking && nowNanos - bakeEnd >= 0) {
      return judge.last(n, o, exits);
    }
    return judge.judge(n, o, exits);
  }

  private Numbers olderNumbers(Traffic.Snapshot now) {
    Traffic.Counts life = now.counts().get(older);
    Numbers window = numbers(older, life, start.counts().get(older));
    if (window.requests() >= judge.limits().minRequests() || life == null) {
      return window;
    }
    return numbers(older, life, null);
  }

  private static Numbers numbers(String release, Traffic.Counts now, Traffic.Counts then) {
    if (now == null) {
      return new Numbers(release, 0, 0, 0);
    }
    Traffic.Counts c = then == null ? now : now.since(then);
    return new Numbers(release, c.requests(), c.failed(), c.latencyMs(99));
  }
}
