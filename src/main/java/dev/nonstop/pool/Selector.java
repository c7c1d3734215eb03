package dev.nonstop.pool;

import java.util.Locale;

/**
 * Picks the backend for a request among a pool's backends, skipping the unusable ones and the ones
 * a retry already tried. Implementations are thread-safe and allocate nothing per call.
 */
public interface Selector {

  /**
   * @param backends the pool's backends, never modified
   * @param tried backends this request already failed on; only the first {@code triedCount} count
   * @return a usable backend, or null when none is
   */
  Backend select(Backend[] backends, Backend[] tried, int triedCount);

  /** The name used in configuration and reports. */
  String name();

  static Selector roundRobin() {
    return new RoundRobinSelector();
  }

  static Selector leastInFlight() {
    return new LeastInFlightSelector();
  }

  /** {@code round-robin} or {@code least-in-flight}. */
  static Selector named(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "round-robin":
        return roundRobin();
      case "least-in-flight":
        return leastInFlight();
      default:
        throw new IllegalArgumentException(
            "balance: '" + name + "' (expected: round-robin or least-in-flight)");
    }
  }

  /** Whether {@code b} is among the first {@code count} of {@code tried}. */
  static boolean contains(Backend[] tried, int count, Backend b) {
    for (int i = 0; i < count; i++) {
      if (tried[i] == b) {
        return true;
      }
    }
    return false;
  }
}
