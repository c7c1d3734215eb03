package dev.nonstop.health;

import dev.nonstop.pool.Health;

/**
 * Turns probe outcomes into health, HAProxy style: a DOWN backend needs {@code rise} passes in a
 * row to become UP, an UP one {@code fall} failures in a row to become DOWN. A streak is broken by
 * the opposite outcome, and starts afresh whenever the health changes, also when something else
 * changed it (live traffic ejecting a backend must be followed by {@code rise} fresh passes).
 *
 * <p>Ejections are damped: a backend put DOWN by something else (live traffic, its process
 * exiting) again before it stayed UP for {@code maxRise} probes needs twice the passes of the
 * time before to come back, up to {@code maxRise}. A server that answers its health check but
 * fails real requests then takes traffic for a moment every few seconds, then every 30, instead of
 * in a burst each time it passes two checks.
 *
 * <p>Not thread-safe: one probe of a backend runs at a time, and the checker owns this object.
 */
final class RiseFall {
  private final int rise;
  private final int fall;
  private final int maxRise;
  private int passes;
  private int failures;
  private Health seen;
  /** Ejections in a row, each before the backend stayed UP for maxRise probes; 0 when calm. */
  private int ejections;
  private int probesUp;

  RiseFall(int rise, int fall, Health initial) {
    this(rise, fall, initial, rise);
  }

  /** @param maxRise the most passes a backend ejected over and over needs to come back */
  RiseFall(int rise, int fall, Health initial, int maxRise) {
    if (rise < 1 || fall < 1 || maxRise < rise) {
      throw new IllegalArgumentException("rise " + rise + ", fall " + fall + ", maxRise " + maxRise
          + " (expected: rise and fall >= 1, maxRise >= rise)");
    }
    this.rise = rise;
    this.fall = fall;
    this.maxRise = maxRise;
    this.seen = initial;
  }

  /**
   * Counts one probe of a backend whose health is {@code current}; returns the health it should
   * have now (the same value when nothing changes).
   */
  Health record(Health current, boolean passed) {
    if (current != seen) {
      if (seen == Health.UP && current == Health.DOWN) {
        ejections = probesUp < maxRise ? ejections + 1 : 1;
      }
      passes = 0;
      failures = 0;
      probesUp = 0;
      seen = current;
    }
    if (current == Health.UP && ++probesUp >= maxRise) {
      ejections = 0; // it stayed up: the next ejection starts the damping afresh
    }
    if (passed) {
      failures = 0;
      passes++;
      if (current == Health.DOWN && passes >= risesNeeded()) {
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

  /** The passes in a row a DOWN backend needs now: {@code rise}, doubled for each ejection in a row. */
  int risesNeeded() {
    if (ejections <= 1) {
      return rise;
    }
    long n = (long) rise << Math.min(ejections - 1, 20);
    return (int) Math.min(maxRise, n);
  }

  /** Ejections in a row so far (0 when the backend has been calm). */
  int ejections() {
    return ejections;
  }

  /** Passes in a row so far (failures in a row when negative). */
  int streak() {
    return passes > 0 ? passes : -failures;
  }

  private Health changeTo(Health next) {
    passes = 0;
    failures = 0;
    probesUp = 0;
    seen = next;
    return next;
  }
}
