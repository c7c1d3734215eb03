package dev.nonstop.deploy;

import dev.nonstop.pool.Backend;
import dev.nonstop.proxy.RequestListener;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The proxy's own count of what it served, by release: requests, failures (5xx from the app apart
 * from errors of the proxy's own), and latency. A deployment takes a {@link Snapshot} when it
 * starts and one when it ends; the difference is its traffic.
 *
 * <p>Thread-safe; {@link #completed} runs on the proxy's event loops and only adds to counters.
 */
public final class Traffic implements RequestListener {
  /** Latencies are recorded in microseconds, up to an hour, to 2 significant digits. */
  private static final long MAX_MICROS = 3_600_000_000L;

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder appErrors = new LongAdder();
    final LongAdder proxyErrors = new LongAdder();
  }

  private final ConcurrentHashMap<String, Counters> byRelease = new ConcurrentHashMap<>();
  private final ConcurrentHistogram latency = new ConcurrentHistogram(MAX_MICROS, 2);

  @Override
  public void completed(Backend backend, int status, long latencyNanos, boolean proxyError) {
    String release = backend == null ? "-" : backend.label();
    Counters c = byRelease.get(release);
    if (c == null) {
      c = byRelease.computeIfAbsent(release, k -> new Counters());
    }
    c.requests.increment();
    if (status >= 500 || status == 0) {
      if (proxyError || status == 0) {
        c.proxyErrors.increment();
      } else {
        c.appErrors.increment();
      }
    }
    latency.recordValue(Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000)));
  }

  /** The counts so far. */
  public Snapshot snapshot() {
    Map<String, long[]> counts = new TreeMap<>();
    byRelease.forEach((release, c) -> counts.put(release,
        new long[] {c.requests.sum(), c.appErrors.sum(), c.proxyErrors.sum()}));
    return new Snapshot(counts, latency.copy());
  }

  /** Counts at one moment: release → {requests, app errors, proxy errors}, and all latencies. */
  public record Snapshot(Map<String, long[]> counts, Histogram latency) {

    /** What happened between {@code earlier} and this snapshot. */
    public Delta since(Snapshot earlier) {
      Map<String, Long> requests = new TreeMap<>();
      long app = 0;
      long proxy = 0;
      for (Map.Entry<String, long[]> e : counts.entrySet()) {
        long[] before = earlier.counts.getOrDefault(e.getKey(), new long[3]);
        long n = e.getValue()[0] - before[0];
        if (n > 0 && !e.getKey().equals("-")) {
          requests.put(e.getKey(), n);
        }
        app += e.getValue()[1] - before[1];
        proxy += e.getValue()[2] - before[2];
      }
      long proxyAlone = counts.getOrDefault("-", new long[3])[0] - earlier.counts.getOrDefault("-", new long[3])[0];
      Histogram h = latency.copy();
      h.subtract(earlier.latency);
      return new Delta(requests, requests.values().stream().mapToLong(Long::longValue).sum() + proxyAlone,
          app, proxy, h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1000.0,
          h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0,
          h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0);
    }
  }

  /**
   * Traffic over an interval: requests answered by each release, the total (including the proxy's
   * own answers), failures by cause, and latency in milliseconds.
   */
  public record Delta(Map<String, Long> byRelease, long total, long appErrors, long proxyErrors,
      double p50Ms, double p99Ms, double maxMs) {
    public long failed() {
      return appErrors + proxyErrors;
    }
  }
}
