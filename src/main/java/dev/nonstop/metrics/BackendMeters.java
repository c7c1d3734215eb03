package dev.nonstop.metrics;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The meters of one backend (or of the proxy's own answers, with no backend), registered once so
 * that a request only increments: a counter per status class and the release's latency timer. Immutable after construction; the meters themselves are thread-safe.
 */
final class BackendMeters {
  static final String[] STATUS = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private final Counter[] responses = new Counter[STATUS.length];
  private final Counter proxyErrors;
  private final Timer latency;
  private final List<Meter> own = new ArrayList<>();

  /**
   * @param backend null for the proxy's own answers
   * @param restarts how often the backend's server process was restarted after it died
   * @param app the app's tag when there are several, else none
   */
  BackendMeters(MeterRegistry registry, Backend backend, Timer latency, java.util.function.ToDoubleFunction<Backend> restarts,
      Tags app) {
    this.latency = latency;
    Tags tags = app.and(backend == null
        ? Tags.of("release", "none", "backend", "none")
        : Tags.of("release", backend.label(), "backend", backend.name()));
    for (int c = 0; c < STATUS.length; c++) {
      responses[c] = Counter.builder("nonstop.requests")
          .description("Requests answered, by release, backend and status class (none: closed before an answer)")
          .tags(tags).tag("status", STATUS[c]).register(registry);
      own.add(responses[c]);
    }
    proxyErrors = Counter.builder("nonstop.proxy.errors")
        .description("Answers the proxy made itself (502, 503, 504) or connections closed without one")
        .tags(tags).register(registry);
    own.add(proxyErrors);
    if (backend != null) {
      gauges(registry, backend, tags);
      own.add(FunctionCounter.builder("nonstop.server.restarts", backend, restarts)
          .description("Times the backend's server process died and was started again").tags(tags).register(registry));
    }
  }

  private void gauges(MeterRegistry registry, Backend b, Tags tags) {
    own.add(Gauge.builder("nonstop.backend.in.flight", b, Backend::inFlight)
        .description("Requests bound to the backend right now").tags(tags).strongReference(true).register(registry));
    own.add(Gauge.builder("nonstop.backend.streams", b, Backend::streams)
        .description("Open streams (WebSockets, event streams) of the backend: long-lived, not in flight")
        .tags(tags).strongReference(true).register(registry));
    own.add(FunctionCounter.builder("nonstop.backend.failures", b, Backend::failures)
        .description("Connection failures and 5xx answers seen from live traffic").tags(tags).register(registry));
    own.add(FunctionCounter.builder("nonstop.backend.ejections", b, Backend::ejections)
        .description("Times live traffic took the backend out of the pool (failures in a row); each one in a row "
            + "doubles the checks it must pass to come back, up to 30 s")
        .tags(tags).register(registry));
    for (Health h : Health.values()) {
      own.add(Gauge.builder("nonstop.backend.health", b, x -> x.health() == h ? 1 : 0)
          .description("1 for the backend's health, 0 for the others").tags(tags)
          .tag("state", h.name().toLowerCase(Locale.ROOT)).strongReference(true).register(registry));
    }
    for (AdminState a : AdminState.values()) {
      own.add(Gauge.builder("nonstop.backend.admin", b, x -> x.adminState() == a ? 1 : 0)
          .description("1 for the backend's admin state, 0 for the others").tags(tags)
          .tag("state", a.name().toLowerCase(Locale.ROOT)).strongReference(true).register(registry));
    }
  }

  /** On an event loop, for every request: a few adds, no allocation. */
  void record(int status, long latencyNanos, boolean proxyError) {
    int c = status >= 100 && status < 600 ? status / 100 : 0;
    responses[c].increment();
    if (proxyError || status == 0) {
      proxyErrors.increment();
    }
    latency.record(latencyNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Removes this backend's own meters; the release's timer stays while its release is around. */
  void remove(MeterRegistry registry) {
    own.forEach(registry::remove);
  }
}
