package dev.nonstop.metrics;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One release's traffic since the last sample: requests, failures and a latency recorder. The
 * proxy's event loops add; the sampler thread takes the interval once a second.
 */
final class ReleaseRate {
  /** Microseconds, up to an hour, 2 significant digits: the same resolution as the report. */
  private static final long MAX_MICROS = 3_600_000_000L;

  final String release;
  private final LongAdder requests = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Recorder latency = new Recorder(MAX_MICROS, 2);
  private Histogram recycled; // sampler thread only

  ReleaseRate(String release) {
    this.release = release;
  }

  void record(int status, long latencyNanos) {
    requests.increment();
    if (status >= 500 || status == 0) {
      errors.increment();
    }
    latency.recordValue(Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000)));
  }

  /** The interval since the previous call, then starts the next. Sampler thread only. */
  Series.Point take() {
    Histogram h = latency.getIntervalHistogram(recycled);
    recycled = h;
    long n = requests.sumThenReset();
    long failed = errors.sumThenReset();
    double p99 = h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0;
    return new Series.Point(n, failed, p99);
  }
}
