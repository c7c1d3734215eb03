package dev.nonstop.daemon;

import static java.util.Objects.requireNonNull;

import dev.nonstop.admin.AdminServer;
import dev.nonstop.admin.Control;
import dev.nonstop.admin.ControlException;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Fleet;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Traffic;
import dev.nonstop.instance.Release;
import dev.nonstop.metrics.Metrics;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.Routes;
import dev.nonstop.state.Token;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Nonstop: the proxy on {@code listen}, routing each request to one of its {@link App}s
 * (by host name and path when the file has {@code apps:}), the admin API, TLS, the state folder's
 * lock and the takeover socket. Each app has its fleet, state and deployments; this class holds
 * what the whole process shares.
 *
 * <p>Thread-safe: admin calls arrive on the admin server's threads and go to their app, which
 * guards its own state; {@link #handingOver} and {@link #gone} are guarded by {@code this}. The
 * apps are fixed once started.
 */
public final class Daemon implements Control, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);
  static final String DEFAULT_MAINTENANCE = Deployments.DEFAULT_MAINTENANCE;

  private final Config config;
  /** By name, in the file's order. Filled by {@link #boot}, then only read. */
  private final Map<String, App> apps = new LinkedHashMap<>();
  private final PrometheusMeterRegistry registry = Metrics.newRegistry();
  private StateLock lock; // null until a takeover's old daemon is gone
  private HandoverServer handover;
  /** A takeover was offered: changes wait until it ends. Written holding this and every app. */
  private volatile boolean handingOver;
  /** Closed, or handed over. Guarded by this. */
  private boolean gone;
  /** Completes when this daemon handed over to another and left: its process should exit. */
  private final CompletableFuture<Long> left = new CompletableFuture<>();
  private final String token;
  private Proxy proxy;
  private AdminServer admin;
  /** TLS: certificates, ACME, the redirect listener. Null until the proxy starts. */
  private volatile TlsSetup tls;

  private Daemon(Config config, StateLock lock) {
    this.config = requireNonNull(config, "config");
    this.lock = lock;
    this.token = Token.loadOrCreate(config.state());
  }

  /**
   * Starts everything and returns once {@code instances} servers of the live release are healthy
   * and attached. The live release is the one in the state file, else {@code version}.
   *
   * @throws DeployException when another {@code up} holds the state folder, a port is taken (both
   *     before any server is touched), or the first servers cannot be made healthy (everything
   *     started is stopped again)
   */
  public static Daemon start(AppConfig config, String version, Consumer<Event> progress)
      throws DeployException, InterruptedException {
    return start(Config.single(config), Versions.of(version), progress, Launch.BIND);
  }

  /** As {@link #start(AppConfig, String, Consumer)}, on the socket {@code launch} says. */
  public static Daemon start(AppConfig config, String version, Consumer<Event> progress, Launch launch)
      throws DeployException, InterruptedException {
    return start(Config.single(config), Versions.of(version), progress, launch);
  }

  /** Every app of {@code config}, each from its state file's live release, else its version in {@code versions}. */
  public static Daemon start(Config config, Versions versions, Consumer<Event> progress, Launch launch)
      throws DeployException, InterruptedException {
    versions.check(config);
    if (launch.takeover()) {
      return takeOver(config, versions, progress);
    }
    StateLock lock = StateLock.take(config.first());
    Daemon d;
    try {
      d = new Daemon(config, lock);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    try {
      d.boot(versions, progress, launch.inheritedFd(), null);
      return d;
    } catch (DeployException | InterruptedException | RuntimeException e) {
      d.closeKeepingServers();
      throw e;
    }
  }

  /**
   * How {@code up} comes to its listening socket.
   *
   * @param takeover ask the running daemon for it (and for the servers), see {@link Handover}
   * @param inheritedFd a listening socket this process was started with (systemd), or -1
   */
  public record Launch(boolean takeover, int inheritedFd) {
    /** Bind the listen address. */
    public static final Launch BIND = new Launch(false, -1);

    /** From the environment: systemd's socket, if it passed one to this process. */
    public static Launch fromEnvironment(boolean takeover) {
      return new Launch(takeover, takeover ? -1
          : SocketActivation.listenFd(System.getenv(), ProcessHandle.current().pid()).orElse(-1));
    }
  }

  /**
   * A new daemon in place of the running one, without a refused connection or a restarted server:
   * it receives the listening socket over the state folder's Unix socket, serves the running
   * servers on it, then the old daemon stops accepting, drains its connections and exits, leaving
   * the servers; this one then takes the lock and the admin port. Until it serves, any failure
   * leaves the old daemon as it was.
   */
  private static Daemon takeOver(Config config, Versions versions, Consumer<Event> progress)
      throws DeployException, InterruptedException {
    Takeover taken;
    try {
      taken = Handover.request(handoverSocket(config.first()), TAKEOVER_TIMEOUT);
    } catch (Handover.Failure e) {
      throw new DeployException("no takeover: " + e.getMessage());
    }
    Daemon d = null;
    try {
      d = new Daemon(config, null);
      d.boot(versions, progress, taken.fd("listen"), taken);
      return d;
    } catch (DeployException | InterruptedException | RuntimeException e) {
      taken.close(); // before serving(): the old daemon carries on, with the servers
      if (d != null) {
        d.closeKeepingServers();
      }
      throw e;
    }
  }

  private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(30);

  static Path handoverSocket(AppConfig config) {
    return config.state().resolve("nonstop.sock");
  }

  private void boot(Versions versions, Consumer<Event> progress, int inheritedFd, Takeover taken)
      throws DeployException, InterruptedException {
    StateFiles files = StateFiles.read(config);
    Map<App, Release> live = new LinkedHashMap<>();
    for (AppConfig a : config.apps()) {
      App app = new App(a, files, traffic -> new Metrics(traffic, registry, config.routed() ? a.app() : null), appHost);
      apps.put(a.app(), app);
      live.put(app, app.liveRelease(versions.forApp(a.app())));
    }
    Startup.refuseTakenPorts(config, inheritedFd >= 0, taken != null);
    for (App app : apps.values()) {
      app.survey();
      live.put(app, app.serving(live.get(app)));
    }
    tls = Startup.tls(config);
    // the servers that passed are in their pools before the first connection is accepted
    proxy = Startup.proxy(config, tls, inheritedFd, first().firstPool(), this::routes);
    if (taken != null) {
      Startup.refuseMovedListen(config, proxy.address());
    }
    first().metrics.certificates(() -> Startup.expiries(tls));
    for (App app : apps.values()) {
      app.attach(sites.get(app));
    }
    if (taken != null) {
      succeed(taken);
    }
    if (files.anyRemoved()) {
      Thread t = new Thread(() -> files.stopRemoved(config, config.first().stopTimeout()), "stop-removed-apps");
      t.setDaemon(true);
      t.start();
    }
    bootAll(live, progress);
    admin = Startup.bound(taken != null, () -> AdminServer.start(config.admin(), token, this),
        e -> "admin API on " + config.admin() + ": " + e.getMessage());
    Startup.startTls(config, tls, proxy, taken != null);
    lock.announce(config.first(), proxy.address(), admin.address());
    if (taken == null) {
      SystemdNotify.send("READY=1"); // nothing outside systemd
    }
    if (proxy.transport() != dev.nonstop.proxy.TransportKind.NIO) {
      try {
        handover = Handover.serve(handoverSocket(config.first()), new Offer());
      } catch (java.io.IOException e) {
        log.warn("no takeover possible ('up --takeover'): {}", e.getMessage());
      }
    }
  }

  /** Each app's site, made by {@link #routes} as the proxy starts. */
  private final Map<App, dev.nonstop.proxy.Site> sites = new LinkedHashMap<>();

  /** The routes of {@code apps:}; with one app, its site answers everything. */
  private Routes routes(Proxy p) {
    if (!config.routed()) {
      sites.put(first(), p.site());
      return Routes.single(p.site());
    }
    List<Routes.Route> routes = new ArrayList<>();
    for (App app : apps.values()) {
      dev.nonstop.proxy.Site site = p.newSite(app.name(), app.firstPool());
      sites.put(app, site);
      var r = app.config.routing();
      routes.add(new Routes.Route(site, r.hosts(), r.path(), r.stripPath(), r.fallback()));
    }
    return Routes.of(routes);
  }

  /** Starts each app's missing servers, all apps at once, each on its own deployer thread. */
  private void bootAll(Map<App, Release> live, Consumer<Event> progress) throws DeployException {
    Map<App, CompletableFuture<Void>> boots = new LinkedHashMap<>();
    live.forEach((app, release) -> boots.put(app, CompletableFuture.runAsync(() -> {
      try {
        app.boot(release, progress);
      } catch (DeployException e) {
        throw new CompletionException(e);
      }
    }, app.deployer)));
    DeployException failed = null;
    for (Map.Entry<App, CompletableFuture<Void>> b : boots.entrySet()) {
      try {
        b.getValue().join();
      } catch (CompletionException e) {
        String why = e.getCause() == null ? e.toString() : e.getCause().getMessage();
        if (failed == null) {
          failed = new DeployException(config.routed() ? b.getKey().name() + ": " + why : why, e.getCause());
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * The old daemon is told to stop accepting: this one serves. Once its process is gone, this one
   * holds the state folder's lock.
   */
  private void succeed(Takeover taken) throws DeployException, InterruptedException {
    if (System.getenv(SystemdNotify.NOTIFY_SOCKET) != null) {
      // under systemd, this process must be the service's main one before the old one exits
      if (!SystemdNotify.send("MAINPID=" + ProcessHandle.current().pid() + "\nREADY=1")) {
        throw new DeployException("systemd was not told the service's new main pid (NOTIFY_SOCKET="
            + System.getenv(SystemdNotify.NOTIFY_SOCKET) + "): the running daemon stays");
      }
    }
    try {
      taken.serving();
    } catch (Handover.Failure e) {
      throw new DeployException("the running daemon did not hand over: " + e.getMessage());
    }
    log.info("serving on the socket taken over from pid {}; it drains and exits", taken.pid());
    Duration wait = config.longestDrain().plus(Duration.ofSeconds(30));
    if (!taken.awaitExit(wait)) {
      log.warn("pid {} still runs after {}; waiting for the lock of the state folder", taken.pid(), wait);
    }
    taken.close();
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        lock = StateLock.take(config.first());
        return;
      } catch (DeployException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** What each app asks of this daemon. */
  private final App.Host appHost = new App.Host() {
    @Override
    public void refuseWhileHandingOver() {
      if (handingOver) {
        throw new ControlException(409, "a takeover ('up --takeover') is under way: try again once the new daemon serves");
      }
    }

    @Override
    public List<TlsSetup.Cert> certificates() {
      TlsSetup t = tls;
      return t == null ? List.of() : t.certificates();
    }

    @Override
    public InetSocketAddress listen() {
      return proxy.address();
    }
  };

  private App first() {
    return apps.values().iterator().next();
  }

  public Config configuration() {
    return config;
  }

  /** The first app's configuration: the only one's, without {@code apps:}. */
  public AppConfig config() {
    return config.first();
  }

  public InetSocketAddress listenAddress() {
    return proxy.address();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  public String token() {
    return token;
  }

  /** The first app's traffic: the only one's, without {@code apps:}. */
  public Traffic traffic() {
    return first().traffic;
  }

  Fleet fleet() {
    return first().fleet;
  }

  Fleet fleet(String app) {
    return app(app).fleet;
  }

  // ---- Control: each call goes to its app ----

  /**
   * The app named {@code name}; with none named, the only one. With several and none named, a 400
   * that lists them: a change must never reach an app by chance.
   */
  private App app(String name) {
    if (name == null || name.isEmpty()) {
      if (apps.size() == 1) {
        return first();
      }
      throw new ControlException(400, "which app? this nonstop runs " + String.join(", ", apps.keySet())
          + " (expected: --app NAME, or ?app=NAME in the admin API)");
    }
    App a = apps.get(name);
    if (a == null) {
      throw new ControlException(404, "no app '" + name + "' here (expected: one of " + String.join(", ", apps.keySet()) + ")");
    }
    return a;
  }

  /** Every app's status, one after the other, when several run and none is named. */
  public record AppsView(List<Object> apps) {}

  @Override
  public Object status(String app) {
    if ((app == null || app.isEmpty()) && apps.size() > 1) {
      return new AppsView(apps.values().stream().map(a -> a.deployments.status()).toList());
    }
    return app(app).deployments.status();
  }

  @Override
  public Object history(String app) {
    return app(app).deployments.history();
  }

  @Override
  public Progress deploy(String app, DeployRequest request) {
    return app(app).deployments.deploy(request);
  }

  @Override
  public Progress rollback(String app) {
    return app(app).deployments.rollback();
  }

  @Override
  public Progress promote(String app) {
    return app(app).deployments.promote();
  }

  @Override
  public String abort(String app) {
    return app(app).deployments.abort();
  }

  @Override
  public void maintenance(String app, boolean on, String message) {
    app(app).deployments.maintenance(on, message);
  }

  @Override
  public String metrics() {
    return registry.scrape();
  }

  @Override
  public Object series(String app) {
    return app(app).metrics.series().view();
  }

  /** With several apps and none named, every app's events. */
  @Override
  public void watch(String app, Consumer<Object> watcher) {
    if ((app == null || app.isEmpty()) && apps.size() > 1) {
      apps.values().forEach(a -> a.feed.watch(watcher));
      return;
    }
    app(app).feed.watch(watcher);
  }

  @Override
  public void unwatch(Consumer<Object> watcher) {
    apps.values().forEach(a -> a.feed.unwatch(watcher));
  }

  // the only app's, for a daemon of one app (tests, the demo)

  public Object status() {
    return status(null);
  }

  public Progress deploy(DeployRequest request) {
    return deploy(null, request);
  }

  public Progress rollback() {
    return rollback(null);
  }

  public Progress promote() {
    return promote(null);
  }

  public String abort() {
    return abort(null);
  }

  public void maintenance(boolean on, String message) {
    maintenance(null, on, message);
  }

  /** The reports of every deployment of the app so far, oldest first. */
  public List<Report> reports() {
    return reports(null);
  }

  public List<Report> reports(String app) {
    return app(app).deployments.history();
  }

  // ---- takeover ----

  /** Completes with the newcomer's pid when this daemon handed over and left: then its process ends. */
  public CompletableFuture<Long> left() {
    return left.copy();
  }

  /**
   * systemctl reload (SIGHUP, only under systemd: elsewhere it means a terminal hung up): starts
   * the successor, {@code up --takeover}, which takes this daemon's place. One at a time; if it
   * fails, this daemon serves on.
   */
  public void reloadOnHangUp() {
    if (System.getenv(SystemdNotify.NOTIFY_SOCKET) == null) {
      return;
    }
    java.util.concurrent.atomic.AtomicBoolean starting = new java.util.concurrent.atomic.AtomicBoolean();
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
      if (!starting.compareAndSet(false, true)) {
        log.warn("reload: a successor is starting already");
        return;
      }
      try {
        Process successor = Successor.start(config.file());
        log.info("reload: started the successor, pid {} ('up --takeover')", successor.pid());
        successor.onExit().thenAccept(p -> {
          log.warn("reload: the successor (pid {}) exited with {} before it took over; serving on", p.pid(),
              p.exitValue());
          starting.set(false);
        });
      } catch (java.io.IOException e) {
        log.error("reload: cannot start the successor: {}", e.getMessage());
        starting.set(false);
      }
    });
  }

  /** This daemon's side of a takeover. */
  private final class Offer implements Handover.Host {
    private long newcomer;

    @Override
    public Handover.Offer prepare(long newcomerPid) {
      String refusal;
      synchronized (Daemon.this) {
        refusal = withEveryApp(new ArrayList<>(apps.values()), () -> {
          for (App app : apps.values()) {
            String why = app.takeoverRefusal();
            if (why != null) {
              return config.routed() ? app.name() + ": " + why : why;
            }
          }
          try {
            apps.values().forEach(a -> a.save(a.doc)); // the newcomer reads the servers from the files
          } catch (RuntimeException e) {
            return "the state cannot be saved (" + e.getMessage() + ")";
          }
          handingOver = true;
          return null;
        });
        if (refusal == null) {
          newcomer = newcomerPid;
        }
      }
      if (refusal != null) {
        return Handover.Offer.refused(refusal);
      }
      log.info("pid {} takes over: changes wait until it serves", newcomerPid);
      return Handover.Offer.of(List.of(new Handover.Listener("listen", proxy.listenerFd())));
    }

    @Override
    public void resume() {
      synchronized (Daemon.this) {
        handingOver = false;
      }
      log.info("the takeover by pid {} did not happen: carrying on", newcomer);
    }

    @Override
    public void handOver() {
      Thread t = new Thread(() -> leave(newcomer), "hand-over");
      t.setDaemon(true);
      t.start();
    }
  }

  /** Runs {@code body} holding every app's lock: no app starts a change meanwhile. */
  private static String withEveryApp(List<App> rest, java.util.function.Supplier<String> body) {
    if (rest.isEmpty()) {
      return body.get();
    }
    synchronized (rest.get(0)) {
      return withEveryApp(rest.subList(1, rest.size()), body);
    }
  }

  /**
   * After a takeover: stops accepting, lets the connections finish their requests, and ends this
   * daemon without stopping a server: they are the newcomer's now.
   */
  private void leave(long newcomer) {
    if (!claimClose()) {
      return;
    }
    log.info("pid {} serves now: no longer accepting, draining the connections", newcomer);
    AdminServer a = admin;
    admin = null; // its port goes first: the newcomer binds it once this process is gone
    if (a != null) {
      a.close();
    }
    TlsSetup t = tls;
    if (t != null) {
      t.close(); // the redirect port likewise; ACME's orders go on in the newcomer
    }
    Duration drain = config.longestDrain();
    try {
      int cut = proxy.handOff(drain).get(drain.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      log.info("connections drained{}", cut > 0 ? ", " + cut + " cut at the drain timeout" : "");
    } catch (Exception e) {
      log.warn("drain after the takeover: {}", e.toString());
    }
    release();
    left.complete(newcomer);
  }

  /**
   * Ends a daemon whose start failed without stopping a server: the boot's own undo stopped those
   * it started; those it took over run on (for the running daemon of a takeover, or, recorded in
   * the state file, for the next {@code up}).
   */
  private void closeKeepingServers() {
    if (claimClose()) {
      release();
    }
  }

  /** True for the one caller that may end this daemon: a close, a failed start, or a hand-over. */
  private synchronized boolean claimClose() {
    if (gone) {
      return false;
    }
    gone = true;
    return true;
  }

  /**
   * Lets go of everything but the servers. The handover socket goes last: its end tells a newcomer
   * that this daemon is gone and the state folder's lock is free.
   */
  private void release() {
    if (admin != null) {
      admin.close();
    }
    if (tls != null) {
      tls.close();
    }
    apps.values().forEach(App::leave);
    apps.values().forEach(a -> a.metrics.close());
    if (proxy != null) {
      proxy.close();
    }
    if (lock != null) {
      lock.close();
    }
    if (handover != null) {
      handover.close();
    }
  }

  /**
   * Stops cleanly: the admin API first, then every app's live servers are drained (in-flight
   * requests finish), the proxy closes and the servers stop.
   */
  @Override
  public void close() {
    if (!claimClose()) {
      return; // handed over, or closed already: nothing here is this daemon's to stop
    }
    if (handover != null) {
      handover.close();
    }
    if (admin != null) {
      admin.close();
    }
    apps.values().parallelStream().forEach(App::stopDeploying);
    if (proxy != null) {
      List<CompletableFuture<Integer>> drains = new ArrayList<>();
      apps.values().forEach(a -> drains.addAll(a.drainLive()));
      drains.forEach(f -> f.exceptionally(e -> 0).join());
      proxy.close();
    }
    apps.values().parallelStream().forEach(App::stopServers);
    apps.values().forEach(a -> a.metrics.close());
    if (lock != null) {
      lock.close(); // last: the next up may take the folder only once these servers are gone
    }
  }
}
