package dev.nonstop.health;

import dev.nonstop.pool.Health;

/**
 * Turns probe outcomes into health, HAProxy style: a DOWN backend needs {@code rise} passes in a
 * row to become UP, an UP one {@code fall} failures in a row to become DOWN. A streak is broken by
 * the opposite outcome, and starts afresh whenever the health changes, also when something else
 * changed it (live traffic ejecting a backend must be followed by {@code rise} fresh passes).
 *
 * <p>Not thread-safe: one probe of a backend runs at a time, and the checker owns this object.
 */
final class RiseFall {
  private final int rise;
  private final int fall;
  private int passes;
  private int failures;
  private Health seen;

  RiseFall(int rise, int fall, Health initial) {
    if (rise < 1 || fall < 1) {
      throw new IllegalArgumentException("rise " + rise + ", fall " + fall + " (expected: both >= 1)");
    }
    this.rise = rise;
    this.fall = fall;
    this.seen = initial;
  }

  /**
   * Counts one probe of a backend whose health is {@code current}; returns the health it should
   * have now (the same value when nothing changes).
   */
  Health record(Health current, boolean passed) {
    if (current != seen) {
      passes = 0;
      failures = 0;
      seen = current;
    }
    if (passed) {
      failures = 0;
      passes++;
      if (current == Health.DOWN && passes >= rise) {
        return changeTo(Health.UP);
      }
    } else {
      passes = 0;
      failures++;
      if (current == Health.UP && failures >= fall) {
        return changeTo(Health.DOWN);
      }
    }
    return current;
  }

  /** Passes in a row so far (failures in a row when negative). */
  int streak() {
    return passes > 0 ? passes : -failures;
  }

  private Health changeTo(Health next) {
    passes = 0;
    failures = 0;
    seen = next;
    return next;
  }
}
