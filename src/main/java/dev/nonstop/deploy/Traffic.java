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
 * from errors of the proxy's own), and latency. Counts only grow; whoever wants an interval takes
 * a {@link Snapshot} at each end: a deployment for its report, the metrics sampler once a second.
 *
 * <p>Thread-safe; {@link #completed} runs on the proxy's event loops and only adds to counters.
 */
public final class Traffic implements RequestListener {
  /** The release of answers the proxy made with no backend (no usable backend, maintenance). */
  public static final String NONE = "-";
  /** Latencies are recorded in microseconds, up to an hour, to 2 significant digits. */
  private static final long MAX_MICROS = 3_600_000_000L;

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder appErrors = new LongAdder();
    final LongAdder proxyErrors = new LongAdder();
    final ConcurrentHistogram latency = new ConcurrentHistogram(MAX_MICROS, 2);
  }

  private final ConcurrentHashMap<String, Counters> byRelease = new ConcurrentHashMap<>();
  // Streams (WebSockets, event streams): long by nature, so counted apart and never in latencies.
  private final LongAdder streamsOpened = new LongAdder();
  private final LongAdder[] streamsEnded = {new LongAdder(), new LongAdder(), new LongAdder()};
  /** Lives of the streams that ended, in milliseconds, up to 30 days. */
  private final ConcurrentHistogram streamLives = new ConcurrentHistogram(MAX_STREAM_MS, 2);
  private static final long MAX_STREAM_MS = 30L * 24 * 3_600_000;

  @Override
  public void streamOpened(Backend backend) {
    streamsOpened.increment();
  }

  @Override
  public void streamEnded(Backend backend, long lifeNanos, StreamEnd how) {
    streamsEnded[how.ordinal()].increment();
    streamLives.recordValue(Math.min(MAX_STREAM_MS, Math.max(0, lifeNanos / 1_000_000)));
  }

  @Override
  public void completed(Backend backend, int status, long latencyNanos, boolean proxyError) {
    String release = backend == null ? NONE : backend.label();
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
    c.latency.recordValue(Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000)));
  }

  /** The counts so far. */
  public Snapshot snapshot() {
    Map<String, Counts> counts = new TreeMap<>();
    byRelease.forEach((release, c) -> counts.put(release,
        new Counts(c.requests.sum(), c.appErrors.sum(), c.proxyErrors.sum(), c.latency.copy())));
    return new Snapshot(counts, new StreamCounts(streamsOpened.sum(), streamsEnded[0].sum(), streamsEnded[1].sum(),
        streamsEnded[2].sum(), streamLives.copy()));
  }

  /**
   * Streams so far: opened, and ended by the client, by the app (its server closed it) and by the
   * proxy (its server had stopped, or it idled out); the lives of those that ended, in ms.
   */
  public record StreamCounts(long opened, long byClient, long byApp, long byProxy, Histogram lives) {
    StreamCounts since(StreamCounts earlier) {
      Histogram h = lives.copy();
      h.subtract(earlier.lives);
      return new StreamCounts(opened - earlier.opened, byClient - earlier.byClient, byApp - earlier.byApp,
          byProxy - earlier.byProxy, h);
    }

    /** The longest life of a stream that ended, in milliseconds (0 if none did). */
    public long longestMs() {
      return lives.getTotalCount() == 0 ? 0 : lives.getMaxValue();
    }
  }

  /** One release's counts at one moment. */
  public record Counts(long requests, long appErrors, long proxyErrors, Histogram latency) {
    static final Counts ZERO = new Counts(0, 0, 0, new Histogram(MAX_MICROS, 2));

    /** What happened between {@code earlier} and these counts. */
    public Counts since(Counts earlier) {
      Histogram h = latency.copy();
      h.subtract(earlier.latency);
      return new Counts(requests - earlier.requests, appErrors - earlier.appErrors,
          proxyErrors - earlier.proxyErrors, h);
    }

    public long failed() {
      return appErrors + proxyErrors;
    }

    /** The latency at {@code percentile}, in milliseconds (0 with no request). */
    public double latencyMs(double percentile) {
      return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /** Counts of every release at one moment. */
  public record Snapshot(Map<String, Counts> counts, StreamCounts streams) {

    /** Each release's traffic between {@code earlier} and this snapshot. */
    public Map<String, Counts> byReleaseSince(Snapshot earlier) {
      Map<String, Counts> out = new TreeMap<>();
      counts.forEach((release, now) -> out.put(release, now.since(earlier.counts.getOrDefault(release, Counts.ZERO))));
      return out;
    }

    /** What happened between {@code earlier} and this snapshot, all releases together. */
    public Delta since(Snapshot earlier) {
      Map<String, Long> requests = new TreeMap<>();
      long total = 0;
      long app = 0;
      long proxy = 0;
      Histogram all = new Histogram(MAX_MICROS, 2);
      for (Map.Entry<String, Counts> e : byReleaseSince(earlier).entrySet()) {
        Counts d = e.getValue();
        if (d.requests() > 0 && !e.getKey().equals(NONE)) {
          requests.put(e.getKey(), d.requests());
        }
        total += d.requests();
        app += d.appErrors();
        proxy += d.proxyErrors();
        all.add(d.latency());
      }
      Counts sum = new Counts(total, app, proxy, all);
      return new Delta(requests, total, app, proxy, sum.latencyMs(50), sum.latencyMs(99),
          all.getTotalCount() == 0 ? 0 : all.getMaxValue() / 1000.0, streams.since(earlier.streams));
    }
  }

  /**
   * Traffic over an interval: requests answered by each release, the total (including the proxy's
   * own answers), failures by cause, and latency in milliseconds.
   */
  public record Delta(Map<String, Long> byRelease, long total, long appErrors, long proxyErrors,
      double p50Ms, double p99Ms, double maxMs, StreamCounts streams) {
    public long failed() {
      return appErrors + proxyErrors;
    }
  }
}
