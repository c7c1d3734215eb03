package dev.nonstop.health;

import static java.util.Objects.requireNonNull;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the backends it watches and sets their health: {@code rise} passes in a row mark one UP,
 * {@code fall} failures in a row DOWN. A probe is an HTTP/1.1 GET of the check's path; a 2xx or
 * 3xx answer within the timeout is a pass.
 *
 * <p>Thread-safe. Probes run on two daemon threads with blocking sockets, which suits the handful
 * of servers of one app; each backend is probed by one task at a time, with {@code interval}
 * between the end of a probe and the start of the next, so a slow backend never piles up probes.
 * Health changes only through {@link Backend#setHealth}, which logs them and tells its listeners
 * (on a checker thread).
 */
public final class HealthChecker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  private static final AtomicInteger CHECKERS = new AtomicInteger();

  private final HealthCheck check;
  private final ScheduledExecutorService scheduler;
  private final Map<Backend, Watch> watches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public HealthChecker(HealthCheck check) {
    this.check = requireNonNull(check, "check");
    this.scheduler = Executors.newScheduledThreadPool(2, daemonThreads(CHECKERS.incrementAndGet()));
  }

  public HealthCheck check() {
    return check;
  }

  /** The longest a backend ejected over and over waits to come back, in probes. */
  static final java.time.Duration MAX_HOLD = java.time.Duration.ofSeconds(30);

  private int maxRise() {
    long probes = MAX_HOLD.toNanos() / Math.max(1, check.interval().toNanos());
    return (int) Math.max(check.rise(), Math.min(10_000, probes));
  }

  /** Starts probing {@code backend} now, then every interval. Watching it twice changes nothing. */
  public void watch(Backend backend) {
    requireNonNull(backend, "backend");
    synchronized (watches) {
      if (closed) {
        throw new IllegalStateException("health checker is closed");
      }
      watches.computeIfAbsent(backend, b -> {
        Watch w = new Watch(b, new RiseFall(check.rise(), check.fall(), b.health(), maxRise()));
        w.future = scheduler.scheduleWithFixedDelay(
            w::probe, 0, check.interval().toNanos(), TimeUnit.NANOSECONDS);
        return w;
      });
    }
  }

  /**
   * One probe of {@code address} now, on the caller's thread, within the check's timeout: whether
   * a server found running (after a restart of Nonstop) may serve at once.
   */
  public boolean passesNow(java.net.InetSocketAddress address) {
    Probe.Result result = Probe.get(requireNonNull(address, "address"), check.path(), check.timeout());
    log.debug("health {} GET {}: {}", address, check.path(), result.detail());
    return result.passed();
  }

  /** Stops probing {@code backend}; its health stays as it was. */
  public void unwatch(Backend backend) {
    Watch w = watches.remove(requireNonNull(backend, "backend"));
    if (w != null) {
      w.cancel();
    }
  }

  /** Whether {@code backend} is being probed. */
  boolean isWatching(Backend backend) {
    return watches.containsKey(backend);
  }

  /** Stops all probing; a probe under way ends within its timeout and changes nothing. */
  @Override
  public void close() {
    synchronized (watches) {
      closed = true;
    }
    for (Backend b : watches.keySet()) {
      unwatch(b);
    }
    scheduler.shutdownNow();
  }

  /** One watched backend. Its probe task never runs twice at once (fixed-delay scheduling). */
  private final class Watch {
    private final Backend backend;
    private final RiseFall riseFall;
    private volatile ScheduledFuture<?> future;
    /** Guarded by this: once set, the probe under way must not change the health. */
    private boolean cancelled;

    Watch(Backend backend, RiseFall riseFall) {
      this.backend = backend;
      this.riseFall = riseFall;
    }

    void probe() {
      try {
        Probe.Result result = Probe.get(backend.address(), check.path(), check.timeout());
        log.debug("health {} GET {}: {}", backend.name(), check.path(), result.detail());
        synchronized (this) {
          if (!cancelled) {
            apply(result);
          }
        }
      } catch (RuntimeException e) {
        // an escaping exception would silently end the fixed-delay schedule
        log.warn("health check of {} failed", backend.name(), e);
      }
    }

    private void apply(Probe.Result result) {
      Health current = backend.health();
      int needed = riseFall.risesNeeded();
      Health next = riseFall.record(current, result.passed());
      if (next != current) {
        int count = next == Health.UP ? riseFall.risesNeeded() : check.fall();
        String outcome = next == Health.UP ? "passed" : "failed";
        int ejections = riseFall.ejections();
        backend.setHealth(next, count + " " + (count == 1 ? "check" : "checks") + " " + outcome
            + " in a row (GET " + check.path() + ": " + result.detail() + ")"
            + (next == Health.UP && ejections > 1 ? "; damped: ejected " + ejections + " times in a row, so "
                + count + " passes instead of " + check.rise() : ""));
      } else if (current == Health.DOWN && needed > check.rise() && riseFall.streak() == 1) {
        log.info("backend {} ({}) ejected {} times in a row: it needs {} passes in a row to come back", backend.name(),
            backend.label(), riseFall.ejections(), needed);
      }
    }

    synchronized void cancel() {
      cancelled = true;
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(/* mayInterruptIfRunning= */ false);
      }
    }
  }

  private static ThreadFactory daemonThreads(int checker) {
    AtomicInteger threads = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "nonstop-health-" + checker + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
