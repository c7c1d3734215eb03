package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.config.AppConfig;
import dev.nonstop.health.HealthChecker;
import dev.nonstop.instance.Driver;
import dev.nonstop.instance.Instance;
import dev.nonstop.instance.Ports;
import dev.nonstop.instance.ProcessId;
import dev.nonstop.instance.Release;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.ProxyOptions;
import dev.nonstop.proxy.Site;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's servers and the groups they form: the live group behind the proxy, the old group a
 * blue-green switch keeps warm for an instant rollback, and a preview group. Starts, health-waits,
 * attaches, drains and stops servers for the deployment steps, and restarts a live server that
 * dies.
 *
 * <p>Thread-safe. Group membership is guarded by {@code this}; only one deployment changes it at a
 * time (the app enforces that), while the supervisor and status readers run beside it.
 */
public final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  private static final String HOST = "127.0.0.1";

  /** Which group a server belongs to, as the state file records it. */
  public enum Role { LIVE, WARM, PREVIEW, OTHER }

  /**
   * One server as the state file records it: {@code process} is null while it is only intended
   * (saved before the spawn, so that a crash right after it leaves no unknown process).
   */
  public record Record(String id, Release release, int slot, int port, ProcessId process, Role role, Instant until) {}

  /** Servers of one release that move together. {@code until} is set for a warm group. */
  public record Group(Release release, List<Server> servers, Instant until) {
    public Group {
      servers = List.copyOf(servers);
    }
  }

  private final AppConfig config;
  /** The app's site on the proxy: its pool is the one this fleet's groups go in and out of. */
  private final Site site;
  private final HealthChecker checker;
  private final Driver driver;
  private final ScheduledExecutorService timer;
  private final Supervisor supervisor;
  private final List<Server> live = new ArrayList<>();
  /** Every server started and not yet stopped: live, warm, preview, or new and not attached yet. */
  private final List<Server> running = new ArrayList<>();
  /** Servers about to be spawned, already recorded. */
  private final List<Record> intents = new ArrayList<>();
  private Group warm;
  private Group preview;
  /** A canary's group while the pool is split, with its share of the clients. */
  private Group canary;
  private int canaryPercent;
  private Proxy previewProxy;
  private volatile Runnable onChange = () -> { };
  private volatile Runnable recorder = () -> { };

  public Fleet(AppConfig config, Site site, HealthChecker checker, Driver driver) {
    this.config = requireNonNull(config, "config");
    this.site = requireNonNull(site, "site");
    this.checker = requireNonNull(checker, "checker");
    this.driver = requireNonNull(driver, "driver");
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fleet-timer");
      t.setDaemon(true);
      return t;
    });
    this.supervisor = new Supervisor(driver, timer, this::changed);
  }

  public AppConfig config() {
    return config;
  }

  public Site site() {
    return site;
  }

  /** Called after every change of the servers (for the state file); must not block long. */
  public void onChange(Runnable listener) {
    onChange = requireNonNull(listener, "listener");
  }

  /**
   * Saves the servers now, throwing when they cannot be saved: a server is recorded before it is
   * spawned, and not spawned when it cannot be.
   */
  public void recorder(Runnable save) {
    recorder = requireNonNull(save, "save");
  }

  private void changed() {
    try {
      onChange.run();
    } catch (RuntimeException e) {
      log.warn("fleet change listener failed", e);
    }
  }

  /** Every server the fleet runs: live, warm, preview, and new ones not attached yet. */
  public synchronized List<Server> all() {
    return new ArrayList<>(running);
  }

  /** Every server and intended server with its group, for the state file. */
  public synchronized List<Record> records() {
    List<Record> out = new ArrayList<>(intents);
    for (Server s : running) {
      Role role = live.contains(s) ? Role.LIVE
          : warm != null && warm.servers().contains(s) ? Role.WARM
          : preview != null && preview.servers().contains(s) ? Role.PREVIEW
          : Role.OTHER;
      out.add(new Record(s.id(), s.release(), s.slot(), s.port(), s.instance().processId(), role,
          role == Role.WARM ? warm.until() : null));
    }
    return out;
  }

  /** The live servers, by slot. */
  public synchronized List<Server> live() {
    List<Server> copy = new ArrayList<>(live);
    copy.sort(Comparator.comparingInt(Server::slot).thenComparing(s -> s.release().version()));
    return copy;
  }

  public synchronized Group warm() {
    return warm;
  }

  public synchronized Group preview() {
    return preview;
  }

  /** The canary's group while the pool is split, else null. */
  public synchronized Group canary() {
    return canary;
  }

  /** The canary's share of the clients, 0 to 100 (0 when there is none). */
  public synchronized int canaryPercent() {
    return canary == null ? 0 : canaryPercent;
  }

  public synchronized InetSocketAddress previewAddress() {
    return previewProxy == null ? null : previewProxy.address();
  }

  // ---- servers ----

  /**
   * Spawns a server of {@code release} in {@code slot} on a free port; it is DOWN until checked.
   * It is recorded in the state file first, and not spawned when that fails: a deployment stops
   * before it starts what it could not find again after a crash.
   */
  public Server start(Release release, int slot) throws DeployException {
    return start(release, slot, true);
  }

  /**
   * As {@link #start(Release, int)}, for an undo that puts capacity back: a state file that cannot
   * be written is logged and the server starts anyway, since serving matters more than the record.
   */
  public Server startRestoring(Release release, int slot) throws DeployException {
    return start(release, slot, false);
  }

  private Server start(Release release, int slot, boolean mustRecord) throws DeployException {
    int port = Ports.free();
    Record intent = new Record(newId(), release, slot, port, null, Role.OTHER, null);
    synchronized (this) {
      intents.add(intent);
    }
    Instance instance;
    try {
      try {
        recorder.run();
      } catch (RuntimeException e) {
        if (mustRecord) {
          throw new DeployException("did not start " + release + " in slot " + slot
              + ": the state file cannot record it (" + e.getMessage() + ")", e);
        }
        log.warn("starting {} in slot {} without a record in the state file: {}", release, slot, e.getMessage());
      }
      instance = driver.start(release, slot, port, intent.id());
    } catch (IOException e) {
      throw new DeployException("could not start " + release + " in slot " + slot + ": " + e.getMessage(), e);
    } finally {
      synchronized (this) {
        intents.remove(intent);
      }
    }
    Backend backend = new Backend(new InetSocketAddress(HOST, port), release.version(), Health.DOWN);
    Server server = new Server(intent.id(), release, slot, backend, instance);
    synchronized (this) {
      running.add(server);
    }
    changed();
    checker.watch(backend);
    supervisor.watch(server, instance);
    return server;
  }

  /**
   * Takes over a server an earlier Nonstop started, with {@code backend} (on its port, health as
   * a probe just found it): an UP server can be attached at once; a DOWN one is checked like a new one.
   *
   * @throws IllegalStateException when its process is gone
   */
  public Server adopt(String id, Release release, int slot, ProcessId process, Backend backend) {
    Instance instance = driver.adopt(release, slot, backend.address().getPort(), process);
    Server server = new Server(id, release, slot, backend, instance);
    synchronized (this) {
      running.add(server);
    }
    checker.watch(backend);
    supervisor.watch(server, instance);
    return server;
  }

  private static String newId() {
    byte[] b = new byte[8];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /**
   * Waits until every server is UP, failing as soon as one exits or the health deadline passes,
   * with the failing server's last log lines in the message.
   */
  public void awaitHealthy(List<Server> servers, Deployment deployment)
      throws DeployException, InterruptedException {
    long deadline = System.nanoTime() + config.healthDeadline().toNanos();
    for (Server s : servers) {
      Instance instance = s.instance();
      CompletableFuture<Object> up = s.backend().whenUp().thenApply(v -> "up");
      CompletableFuture<Object> exit = instance.exited().thenApply(code -> code);
      Object outcome = deployment.await(CompletableFuture.anyOf(up, exit), deadline - System.nanoTime());
      if (outcome == null) {
        throw new DeployException(s.backend().name() + " (" + s.release() + ", slot " + s.slot()
            + ") was not healthy within " + format(config.healthDeadline()) + " (GET "
            + config.health().path() + ")" + logTail(instance));
      }
      if (outcome instanceof Integer code) {
        throw new DeployException(s.backend().name() + " (" + s.release() + ", slot " + s.slot()
            + ") exited with code " + code + " before it was healthy" + logTail(instance));
      }
      deployment.info(s.backend().name() + " (" + s.release() + ", slot " + s.slot() + ") is healthy");
    }
  }

  /**
   * Waits for each server as {@link #awaitHealthy} does, but stops the ones that fail instead of
   * failing: returns those that are healthy.
   */
  public List<Server> keepHealthy(List<Server> servers, Deployment deployment) throws InterruptedException {
    List<Server> healthy = new ArrayList<>();
    List<Server> failed = new ArrayList<>();
    for (Server s : servers) {
      try {
        awaitHealthy(List.of(s), deployment);
        healthy.add(s);
      } catch (DeployException e) {
        deployment.info(e.getMessage().lines().findFirst().orElse("") + ": stopping it");
        failed.add(s);
      }
    }
    if (!failed.isEmpty()) {
      stop(failed, deployment);
    }
    return healthy;
  }

  /** Puts the server behind the load balancer and under supervision. */
  public void attach(Server server) {
    if (server.stopping()) {
      return; // given up on meanwhile (a server taken over that passed its check too late)
    }
    server.supervise();
    site.update(p -> p.with(server.backend()));
    synchronized (this) {
      if (!live.contains(server)) {
        live.add(server);
      }
    }
    if (!server.instance().isAlive()) {
      supervisor.restartLater(server, server.instance());
    }
    changed();
  }

  /**
   * Takes the servers out of the load balancer and waits for their in-flight requests (up to the
   * drain timeout, then cancels the rest). Returns the longest drain.
   */
  public Duration drain(List<Server> servers, Deployment deployment)
      throws DeployException, InterruptedException {
    List<CompletableFuture<Integer>> drains = new ArrayList<>();
    long start = System.nanoTime();
    for (Server s : servers) {
      site.update(p -> p.without(s.backend()));
      synchronized (this) {
        live.remove(s);
      }
      int inFlight = s.backend().inFlight();
      deployment.info("drain " + s.backend().name() + " (" + s.release() + ", slot " + s.slot() + "): "
          + inFlight + " in flight");
      drains.add(site.drain(s.backend(), config.drain()));
    }
    Duration longest = Duration.ZERO;
    for (int i = 0; i < servers.size(); i++) {
      Integer cancelled = deployment.await(drains.get(i), Long.MAX_VALUE);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      longest = took.compareTo(longest) > 0 ? took : longest;
      Server s = servers.get(i);
      deployment.drained(s, took, cancelled);
      deployment.info("drained " + s.backend().name() + " in " + took.toMillis() + " ms"
          + (cancelled != null && cancelled > 0 ? ", " + cancelled + " cancelled at the drain timeout" : ""));
    }
    return longest;
  }

  /** Stops the servers' processes (signal, then KILL) and waits for them to exit. */
  public void stop(List<Server> servers, Deployment deployment) throws InterruptedException {
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    for (Server s : servers) {
      exits.add(stopQuietly(s));
    }
    changed();
    for (int i = 0; i < servers.size(); i++) {
      Integer code = waitExit(exits.get(i));
      Server s = servers.get(i);
      deployment.info("stopped " + s.backend().name() + " (" + s.release() + ", slot " + s.slot() + ")"
          + (code == null ? "" : ", exit code " + code));
    }
  }

  /**
   * Closes the streams (WebSockets, event streams) still open to {@code s}, both sides: its server
   * has stopped (the app had its stop signal to close them well), or its group was switched away
   * from with {@code streams: {on-switch: close}}. Returns how many.
   */
  public int cutStreams(Server s) {
    if (s.backend().streams() == 0) {
      return 0;
    }
    try {
      return site.cutStreams(s.backend()).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (ExecutionException | TimeoutException e) {
      log.warn("closing the streams of {}: {}", s.backend().name(), e.toString());
      return 0;
    }
  }

  private CompletableFuture<Integer> stopQuietly(Server s) {
    s.markStopping();
    checker.unwatch(s.backend());
    synchronized (this) {
      live.remove(s);
      running.remove(s);
    }
    CompletableFuture<Integer> exit = driver.stop(s.instance());
    // whatever streams the app left open go once it is gone (the report counts them)
    exit.whenComplete((code, e) -> site.cutStreams(s.backend()));
    return exit;
  }

  private Integer waitExit(CompletableFuture<Integer> exit) throws InterruptedException {
    try {
      return exit.get(config.stopTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      log.warn("a server did not confirm its exit: {}", e.toString());
      return null;
    }
  }

  // ---- groups ----

  /**
   * Splits the pool in one atomic swap: {@code servers} take {@code percent} of the clients, the
   * live group the rest. Called again with a higher percent, each client on the canary stays there.
   */
  public void split(List<Server> servers, int percent) {
    for (Server s : servers) {
      s.supervise(); // it serves: a crash is restarted (and the judge has seen it)
    }
    List<Backend> backends = servers.stream().map(Server::backend).toList();
    site.update(p -> p.withCanary(backends, percent));
    synchronized (this) {
      canary = new Group(servers.get(0).release(), servers, null);
      canaryPercent = percent;
    }
    changed();
  }

  /** Ends the split in one atomic swap, every client on the live group again; returns the canary's servers. */
  public List<Server> endSplit() {
    Group g;
    synchronized (this) {
      g = canary;
      canary = null;
    }
    if (g == null) {
      return List.of();
    }
    site.update(Pool::withoutCanary);
    changed();
    return g.servers();
  }

  /**
   * Replaces the live group with {@code next} in one atomic pool swap, records how long the swap
   * took, and returns the servers that were live before (still running, no longer selected).
   */
  public List<Server> switchTo(List<Server> next, Deployment deployment) {
    for (Server s : next) {
      s.supervise();
    }
    Pool nextPool = site.pool().withBackends(next.stream().map(Server::backend).toList());
    long t0 = System.nanoTime();
    site.swap(nextPool);
    long took = System.nanoTime() - t0;
    deployment.switched(took);
    List<Server> old;
    synchronized (this) {
      old = new ArrayList<>(live);
      live.clear();
      live.addAll(next);
      canary = null; // the new pool is not split
    }
    changed();
    return old;
  }

  /** Keeps {@code servers} running, out of the pool, for the keep-old time, then retires them. */
  public void keepWarm(List<Server> servers) {
    keepWarm(servers, Instant.now().plus(config.keepOld()));
  }

  /** As {@link #keepWarm(List)}, until {@code until}: a warm group taken over from an earlier run. */
  public void keepWarm(List<Server> servers, Instant until) {
    if (servers.isEmpty()) {
      return;
    }
    Group group = new Group(servers.get(0).release(), servers, until);
    Group previous;
    synchronized (this) {
      previous = warm;
      warm = group;
    }
    if (previous != null) {
      retireInBackground(previous.servers());
    }
    timer.schedule(() -> retireWarm(group), Math.max(0, Duration.between(Instant.now(), until).toMillis()),
        TimeUnit.MILLISECONDS);
  }

  private void retireWarm(Group group) {
    synchronized (this) {
      if (warm != group) {
        return;
      }
      warm = null;
    }
    log.info("keep-old time is over: retiring the {} group", group.release());
    retireInBackground(group.servers());
  }

  /** Takes the warm group off the fleet so that a rollback can switch back to it. */
  public synchronized Group takeWarm() {
    Group g = warm;
    warm = null;
    return g;
  }

  /** Drains and stops servers without a deployment watching (warm groups past their time). */
  public void retireInBackground(List<Server> servers) {
    for (Server s : servers) {
      site.update(p -> p.without(s.backend()));
      site.drain(s.backend(), config.drain()).whenComplete((cancelled, e) -> stopQuietly(s));
    }
  }

  /** Serves {@code group} on the preview address until it is promoted or dropped. */
  public InetSocketAddress startPreview(Group group, InetSocketAddress address) {
    Pool pool = site.pool().withBackends(group.servers().stream().map(Server::backend).toList());
    Proxy p = Proxy.start(ProxyOptions.defaults(address).withLimits(config.limits())
        .withTunnelIdleTimeout(config.streams().idleTimeout()), pool);
    synchronized (this) {
      preview = group;
      previewProxy = p;
    }
    return p.address();
  }

  /** Ends the preview listener and hands its group over (null if there was none). */
  public Group endPreview() {
    Group g;
    Proxy p;
    synchronized (this) {
      g = preview;
      p = previewProxy;
      preview = null;
      previewProxy = null;
    }
    if (p != null) {
      p.close();
    }
    return g;
  }

  // ---- helpers ----

  static String logTail(Instance instance) {
    List<String> lines = instance.lastLogLines(10);
    if (lines.isEmpty()) {
      return "; its log (" + instance.logFile() + ") is empty";
    }
    return "; last lines of " + instance.logFile() + ":\n    " + String.join("\n    ", lines);
  }

  /** A duration as the configuration writes it: 10m, 30s, 250ms. */
  static String format(Duration d) {
    return dev.nonstop.config.Durations.format(d);
  }

  /**
   * Lets go of every server without stopping it, after a takeover: no more checks, restarts or
   * timers here; another daemon runs them now.
   */
  public void leave() {
    List<Server> all;
    synchronized (this) {
      all = new ArrayList<>(running);
      running.clear();
      live.clear();
      warm = null;
    }
    for (Server s : all) {
      s.markStopping(); // its exit is no longer this fleet's to act on
      checker.unwatch(s.backend());
    }
    endPreview();
    timer.shutdownNow();
  }

  /** Stops every server; the proxy is the caller's. */
  @Override
  public void close() {
    endPreview();
    List<Server> all;
    synchronized (this) {
      all = new ArrayList<>(running);
      warm = null;
    }
    List<CompletableFuture<Integer>> exits = all.stream().map(this::stopQuietly).toList();
    for (CompletableFuture<Integer> e : exits) {
      try {
        waitExit(e);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timer.shutdownNow();
  }
}
