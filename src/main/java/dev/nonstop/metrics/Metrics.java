package dev.nonstop.metrics;

import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Traffic;
import dev.nonstop.pool.Backend;
import dev.nonstop.proxy.RequestListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's meters in a Prometheus registry, and the per-second {@link Series} by release.
 *
 * <p>Thread-safe. {@link #completed} runs on the proxy's event loops: it finds the backend's
 * meters in an identity map (registered on the backend's first request or at the latest sample)
 * and only increments. A sampler thread, once a second, takes each release's rate into the series
 * and drops the meters of backends that left the fleet and have nothing in flight.
 */
public final class Metrics implements RequestListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);
  /** Five minutes of one-second samples. */
  static final int SAMPLES = 300;
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final PrometheusMeterRegistry registry;
  /** {@code app=NAME} on every meter of an app when the process serves several; else none. */
  private final Tags app;
  private final Traffic traffic;
  private final ConcurrentHashMap<Backend, BackendMeters> byBackend = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> latency = new ConcurrentHashMap<>();
  private final BackendMeters alone;
  private final Series series = new Series(SAMPLES);
  private final Counter staleRetries;
  private final Counter failedRetries;
  private Traffic.Snapshot lastSample; // sampler thread only
  private volatile java.util.function.ToDoubleFunction<Backend> restarts = b -> 0;
  /** Each backend's answers at the last sample and its rate over the second before (sampler writes). */
  private final ConcurrentHashMap<Backend, double[]> rates = new ConcurrentHashMap<>();
  private ScheduledExecutorService sampler;

  /** Metrics of a proxy whose per-release counts {@code traffic} keeps; this listener feeds it too. */
  private volatile Supplier<Map<String, Instant>> certificates = Map::of;
  /** The certificates' gauge: the process's, registered by the one app's metrics that samples it. */
  private volatile MultiGauge certExpiry;

  public Metrics(Traffic traffic) {
    this(traffic, newRegistry(), null);
  }

  /**
   * The metrics of one app of several, in {@code registry}, which they share: each of its meters
   * carries {@code app=NAME} ({@code app} null: no such tag, as with one app).
   */
  public Metrics(Traffic traffic, PrometheusMeterRegistry registry, String app) {
    this.traffic = traffic;
    this.registry = registry;
    this.app = app == null ? Tags.empty() : Tags.of("app", app);
    this.lastSample = traffic.snapshot();
    alone = new BackendMeters(registry, null, timer("none"), b -> 0, this.app);
    staleRetries = retries("stale-connection");
    failedRetries = retries("backend-failed");
  }

  /** A registry for the metrics of several apps, scraped as one. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  private Counter retries(String reason) {
    return Counter.builder("nonstop.proxy.retries")
        .description("Requests sent again after a try failed before any response byte reached "
            + "the client, by reason")
        .tags(app).tag("reason", reason).register(registry);
  }

  @Override
  public void retried(Backend backend, boolean staleConnection) {
    (staleConnection ? staleRetries : failedRetries).increment();
  }

  public Metrics() {
    this(new Traffic());
  }

  @Override
  public void streamOpened(Backend backend) {
    traffic.streamOpened(backend);
    if (backend != null && !byBackend.containsKey(backend)) {
      meters(backend); // its gauges, open streams among them, from its first stream on
    }
  }

  @Override
  public void streamEnded(Backend backend, long lifeNanos, StreamEnd how) {
    traffic.streamEnded(backend, lifeNanos, how);
    streamsEnded.computeIfAbsent(how, h -> Counter.builder("nonstop.proxy.streams.closed")
        .description("Streams (WebSockets, event streams) that ended, by who ended them: the client, "
            + "the app, or the proxy (its server had stopped, or it idled out)")
        .tags(app).tag("by", h.name().toLowerCase(java.util.Locale.ROOT)).register(registry)).increment();
  }

  private final java.util.Map<StreamEnd, Counter> streamsEnded = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void completed(Backend backend, int status, long latencyNanos, boolean proxyError) {
    traffic.completed(backend, status, latencyNanos, proxyError);
    BackendMeters m = backend == null ? alone : byBackend.get(backend);
    if (m == null) {
      m = meters(backend);
    }
    m.record(status, latencyNanos, proxyError);
  }

  private BackendMeters meters(Backend b) {
    return byBackend.computeIfAbsent(b, k -> new BackendMeters(registry, k, timer(k.label()), restarts, app));
  }

  private Timer timer(String release) {
    return latency.computeIfAbsent(release, r -> Timer.builder("nonstop.request.duration")
        .description("Time from a request's first byte to its response's last, by release")
        .tags(app).tag("release", r).serviceLevelObjectives(BUCKETS).register(registry));
  }

  /** Where a backend's server restarts are counted (the fleet's); set before the first request. */
  public void restarts(java.util.function.ToDoubleFunction<Backend> count) {
    restarts = java.util.Objects.requireNonNull(count, "count");
  }

  /** Samples once a second from now on, with {@code backends} as the fleet's servers. */
  public synchronized void start(Supplier<? extends Collection<Backend>> backends) {
    if (sampler != null) {
      return;
    }
    sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "metrics-sampler");
      t.setDaemon(true);
      return t;
    });
    sampler.scheduleAtFixedRate(() -> {
      try {
        sample(System.currentTimeMillis(), backends.get());
      } catch (RuntimeException e) {
        log.warn("metrics sample failed", e);
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Takes the last interval of every release into the series at {@code nowMillis}, registers the
   * meters of new backends and drops those of backends gone from {@code current} and idle.
   * Called by the sampler only (and tests).
   */
  void sample(long nowMillis, Collection<Backend> current) {
    Set<String> releases = new HashSet<>();
    releases.add("none");
    for (Backend b : current) {
      meters(b);
      long answered = answered(b);
      double[] last = rates.get(b);
      rates.put(b, new double[] {answered, nowMillis,
          last == null || nowMillis <= last[1] ? 0 : (answered - last[0]) * 1000 / (nowMillis - last[1])});
    }
    rates.keySet().retainAll(new HashSet<>(current));
    byBackend.forEach((b, m) -> {
      if (!current.contains(b) && b.inFlight() == 0 && b.streams() == 0) {
        byBackend.remove(b);
        m.remove(registry);
      } else {
        releases.add(b.label());
      }
    });
    Traffic.Snapshot now = traffic.snapshot();
    Map<String, Series.Point> points = new LinkedHashMap<>();
    now.byReleaseSince(lastSample).forEach((counted, d) -> {
      String release = counted.equals(Traffic.NONE) ? "none" : counted;
      if (d.requests() > 0 || (releases.contains(release) && !release.equals("none"))) {
        points.put(release, new Series.Point(d.requests(), d.failed(), d.latencyMs(99), d.proxyErrors()));
      }
    });
    lastSample = now;
    latency.forEach((release, timer) -> {
      if (!releases.contains(release) && !points.containsKey(release)) {
        latency.remove(release);
        registry.remove(timer);
      }
    });
    series.add(new Series.Sample(nowMillis, points));
    MultiGauge expiry = certExpiry;
    if (expiry != null) {
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      certificates.get().forEach((names, notAfter) ->
          rows.add(MultiGauge.Row.of(Tags.of("names", names), notAfter.getEpochSecond())));
      expiry.register(rows, true);
    }
  }

  /**
   * Where the TLS certificates' expiry comes from: names (comma-separated) to expiry. Shown as
   * {@code nonstop_tls_certificate_expiry_seconds{names=...}}, a Unix time, from the next sample.
   */
  public synchronized void certificates(Supplier<Map<String, Instant>> expiries) {
    certificates = expiries;
    if (certExpiry == null) {
      certExpiry = MultiGauge.builder("nonstop.tls.certificate.expiry")
          .description("When each TLS certificate expires, as a Unix time, by its names")
          .baseUnit("seconds").register(registry);
    }
  }

  private static long answered(Backend b) {
    long n = 0;
    for (int c = 1; c <= 5; c++) {
      n += b.responses(c);
    }
    return n;
  }

  /** The requests a second {@code b} answered over the last sampled second (0 before two samples). */
  public double rate(Backend b) {
    double[] r = rates.get(b);
    return r == null ? 0 : r[2];
  }

  /** Counts a finished deployment by kind, strategy and result, with its duration. */
  public void deployEnded(Report r) {
    Counter.builder("nonstop.deploys").description("Deployments (deploy, rollback, promote) that ended, by result")
        .tags(app).tag("kind", r.kind()).tag("strategy", r.strategy()).tag("result", r.result())
        .register(registry).increment();
    Timer.builder("nonstop.deploy.duration").description("How long deployments took, by result")
        .tags(app).tag("kind", r.kind()).tag("strategy", r.strategy()).tag("result", r.result())
        .register(registry).record(Duration.ofMillis(r.durationMs()));
  }

  /** The Prometheus text exposition (format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  public Series series() {
    return series;
  }

  @Override
  public synchronized void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    registry.close();
  }
}
