package dev.nonstop.deploy;

import dev.nonstop.instance.Driver;
import dev.nonstop.instance.Instance;
import dev.nonstop.pool.Health;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches server processes: one that dies is marked DOWN at once, so the proxy stops picking it
 * before its health checks notice, and, once it has served traffic, restarted on the same port
 * after a backoff that grows with each crash in a row (200 ms, doubling up to 10 s) and starts over
 * once the server has stayed up a minute. A server that dies before it was attached is left to the
 * deployment waiting on it, which reports it.
 *
 * <p>Exit callbacks run on the process-reaper threads; restarts run on the fleet's timer.
 */
final class Supervisor {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

  private final Driver driver;
  private final ScheduledExecutorService timer;
  private final Runnable changed;

  Supervisor(Driver driver, ScheduledExecutorService timer, Runnable changed) {
    this.driver = driver;
    this.timer = timer;
    this.changed = changed;
  }

  void watch(Server server, Instance instance) {
    instance.exited().thenAccept(code -> {
      if (server.stopping() || server.instance() != instance) {
        return;
      }
      server.crashed(code);
      server.backend().setHealth(Health.DOWN, "process " + instance.pid() + " exited with code " + code);
      if (server.supervised()) {
        restartLater(server, instance);
      }
    });
  }

  /** A server up this long before it dies starts its backoff over. */
  static final long STABLE_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** The crash streak after a crash of a server that was up {@code upNanos}. */
  static int nextStreak(int streak, long upNanos) {
    return upNanos >= STABLE_NANOS ? 1 : streak + 1;
  }

  /** The wait before the restart of a server at its {@code streak}-th crash in a row. */
  static long backoffMillis(int streak) {
    return Math.min(10_000, 200L << Math.min(Math.max(streak, 1) - 1, 6));
  }

  void restartLater(Server server, Instance dead) {
    long delayMs = backoffMillis(server.countCrash(System.nanoTime()));
    log.warn("server {} died; restarting it in {} ms{}", server, delayMs, Fleet.logTail(dead).replace("\n", "\n  "));
    timer.schedule(() -> restart(server, dead), delayMs, TimeUnit.MILLISECONDS);
  }

  private void restart(Server server, Instance dead) {
    if (server.stopping() || server.instance() != dead) {
      return;
    }
    server.countRestart();
    try {
      Instance next = driver.start(server.release(), server.slot(), server.port(), server.id());
      server.replaceInstance(next);
      watch(server, next);
      log.info("server {} restarted as pid {}", server, next.pid());
      changed.run();
    } catch (IOException e) {
      log.error("could not restart {}: {}", server, e.getMessage());
      restartLater(server, dead);
    }
  }
}
