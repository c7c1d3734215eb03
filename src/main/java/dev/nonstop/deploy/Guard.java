package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.instance.Release;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges the new release of a deployment from its first step to the end of its bake: every
 * {@link #TICK} it takes the proxy's counts and the exits of the new release's servers to the
 * {@link Watch}, and completes {@link #failed()} at the first bad verdict (the deployment then
 * fails and is undone) or {@link #baked()} when the bake is over.
 *
 * <p>Thread-safe: the ticker thread owns the watch; the deploying thread starts and stops it.
 */
public final class Guard {
  private static final Logger log = LoggerFactory.getLogger(Guard.class);
  static final Duration TICK = Duration.ofMillis(100);

  private final Judge judge;
  private final Fleet fleet;
  private final Traffic traffic;
  private final Release from;
  private final Release to;
  private final Duration bake;
  private final CompletableFuture<Verdict> failed = new CompletableFuture<>();
  private final CompletableFuture<Verdict> baked = new CompletableFuture<>();
  private final CompletableFuture<Verdict> judgeable = new CompletableFuture<>();
  /** Crashes each server of the new release had when the deployment started (a redeploy of it). */
  private final Map<String, Integer> crashesBefore = new HashMap<>();
  private volatile Verdict latest;
  private ScheduledExecutorService ticker; // deploying thread only
  private Watch watch; // ticker thread only, once started

  /**
   * @param from the release live before, or null
   * @param bake how long the bake step watches the new release
   */
  public Guard(Judge judge, Fleet fleet, Traffic traffic, Release from, Release to, Duration bake) {
    this.judge = requireNonNull(judge, "judge");
    this.fleet = requireNonNull(fleet, "fleet");
    this.traffic = requireNonNull(traffic, "traffic");
    this.from = from;
    this.to = requireNonNull(to, "to");
    this.bake = requireNonNull(bake, "bake");
  }

  public Duration bake() {
    return bake;
  }

  Release to() {
    return to;
  }

  /** Starts watching now. */
  void start(int deployment) {
    for (Server s : fleet.all()) {
      if (s.release().equals(to)) {
        crashesBefore.put(s.id(), s.crashes());
      }
    }
    Watch w = new Watch(judge, to.version(), from == null ? null : from.version(), traffic.snapshot());
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "judge-" + deployment);
      t.setDaemon(true);
      return t;
    });
    ticker.execute(() -> watch = w);
    ticker.scheduleWithFixedDelay(this::tick, TICK.toNanos(), TICK.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The bake starts now; {@link #baked()} completes at its end unless a verdict fails first. */
  void startBake() {
    ticker.execute(() -> {
      watch.bake(System.nanoTime(), bake);
      tick();
    });
  }

  /** Stops watching: the deployment ends, or it is being undone. */
  void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }

  /** Completes with the first verdict that failed. */
  CompletableFuture<Verdict> failed() {
    return failed;
  }

  /** Completes with the verdict that passed at the end of the bake. */
  CompletableFuture<Verdict> baked() {
    return baked;
  }

  /** Completes once the new release answered enough requests for its errors to be judged. */
  CompletableFuture<Verdict> judgeable() {
    return judgeable;
  }

  int minRequests() {
    return judge.limits().minRequests();
  }

  /** The latest verdict, or null before the first tick. */
  Verdict latest() {
    return latest;
  }

  /** How much of the bake is left (as of the last tick). */
  Duration remaining() {
    return remaining;
  }

  private volatile Duration remaining = Duration.ZERO;

  private void tick() {
    if (failed.isDone() || baked.isDone()) {
      return;
    }
    try {
      long now = System.nanoTime();
      Verdict v = watch.observe(now, traffic.snapshot(), exits());
      latest = v;
      remaining = watch.remaining(now);
      if (v.newer().requests() >= judge.limits().minRequests()) {
        judgeable.complete(v);
      }
      if (v.failed()) {
        failed.complete(v);
      } else if (v.outcome() == Verdict.Outcome.PASSED) {
        baked.complete(v);
      }
    } catch (RuntimeException e) {
      // an escaping exception would silently end the schedule
      log.warn("judging {} failed", to, e);
    }
  }

  /** One line for each server of the new release that exited since the deployment started. */
  private List<String> exits() {
    List<String> out = new ArrayList<>();
    for (Server s : fleet.all()) {
      if (!s.release().equals(to)) {
        continue;
      }
      int n = s.crashes() - crashesBefore.getOrDefault(s.id(), 0);
      if (n > 0) {
        out.add(s.backend().name() + " (slot " + s.slot() + ") " + s.lastExit() + (n > 1 ? ", " + n + " times" : ""));
      }
    }
    return out;
  }
}
