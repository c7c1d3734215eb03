package dev.nonstop.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The last {@code capacity} one-second samples of traffic by release, for the dashboard's charts.
 * Thread-safe: the sampler adds, admin threads read copies.
 */
public final class Series {
  /**
   * One release in one second: requests, failed requests (5xx or no answer), p99 latency, and of the
   * failed ones those the proxy answered itself (502, 503, 504, or no answer). The proxy's answers
   * with no backend at all (no usable server) are the release {@code none}.
   */
  public record Point(long requests, long errors, double p99Ms, long proxyErrors) {}

  /** One second: its end as epoch milliseconds and each release that served in it. */
  public record Sample(long t, Map<String, Point> releases) {}

  /** The answer of {@code GET /api/series}. */
  public record View(long intervalMs, List<Sample> samples) {}

  private final Sample[] ring;
  private int next;
  private int size;

  public Series(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
    }
    ring = new Sample[capacity];
  }

  synchronized void add(Sample sample) {
    ring[next] = sample;
    next = (next + 1) % ring.length;
    size = Math.min(size + 1, ring.length);
  }

  /** Oldest first. */
  public synchronized View view() {
    List<Sample> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(next - size + i + ring.length) % ring.length]);
    }
    return new View(1000, out);
  }
}
