package dev.nonstop.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a backend is probed: GET {@code path} every {@code interval}, each probe given
 * {@code timeout}; {@code rise} passes in a row mark it UP, {@code fall} failures in a row DOWN.
 * A pass is a 2xx or 3xx answer.
 */
public record HealthCheck(String path, Duration interval, Duration timeout, int rise, int fall) {
  public static final HealthCheck DEFAULT =
      new HealthCheck("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3);

  public HealthCheck {
    requireNonNull(path, "path");
    requireNonNull(interval, "interval");
    requireNonNull(timeout, "timeout");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("health path: '" + path + "' (expected: starts with /)");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("health interval: " + interval + " (expected: > 0)");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("health timeout: " + timeout + " (expected: > 0)");
    }
    if (rise < 1) {
      throw new IllegalArgumentException("health rise: " + rise + " (expected: >= 1)");
    }
    if (fall < 1) {
      throw new IllegalArgumentException("health fall: " + fall + " (expected: >= 1)");
    }
  }

  public HealthCheck withPath(String newPath) {
    return new HealthCheck(newPath, interval, timeout, rise, fall);
  }
}
