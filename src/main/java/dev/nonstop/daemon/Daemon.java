package dev.nonstop.daemon;

import dev.nonstop.deploy.Progress;
import static java.util.Objects.requireNonNull;

import dev.nonstop.admin.AdminServer;
import dev.nonstop.admin.Control;
import dev.nonstop.admin.ControlException;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Batch;
import dev.nonstop.config.Durations;
import dev.nonstop.config.Strategy;
import dev.nonstop.deploy.BlueGreen;
import dev.nonstop.deploy.Boot;
import dev.nonstop.deploy.Canary;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Deployment;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Fleet;
import dev.nonstop.deploy.Guard;
import dev.nonstop.deploy.Judge;
import dev.nonstop.deploy.Rollout;
import dev.nonstop.deploy.InPlace;
import dev.nonstop.deploy.Plan;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Server;
import dev.nonstop.deploy.Traffic;
import dev.nonstop.health.HealthChecker;
import dev.nonstop.instance.LaunchSpec;
import dev.nonstop.instance.LocalDriver;
import dev.nonstop.instance.Release;
import dev.nonstop.metrics.EventFeed;
import dev.nonstop.metrics.Metrics;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.ProxyOptions;
import dev.nonstop.state.StateStore;
import dev.nonstop.state.Token;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Nonstop: the proxy on {@code listen}, the fleet of servers, the admin API, and at most
 * one deployment at a time. State is saved after every change and read back at start.
 *
 * <p>Thread-safe: admin calls arrive on the admin server's threads, deployments run one at a time
 * on the deployer thread, and every change of {@link #doc} or {@link #current} holds {@code this}.
 */
public final class Daemon implements Control, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);
  static final String DEFAULT_MAINTENANCE = "We are making things better. Back in a moment.";

  private final AppConfig config;
  private final StateStore<StateDoc> store;
  private final Traffic traffic = new Traffic();
  // observability: metrics and series fed by the proxy, every deployment's events for the dashboard
  private final Metrics metrics = new Metrics(traffic);
  private final EventFeed feed = new EventFeed();
  private final ExecutorService deployer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "deployer");
    t.setDaemon(true);
    return t;
  });
  private StateLock lock; // null until a takeover's old daemon is gone
  private HandoverServer handover;
  /** A takeover was offered: changes wait until it ends. Guarded by this. */
  private boolean handingOver;
  /** Closed, or handed over. Guarded by this. */
  private boolean gone;
  /** Completes when this daemon handed over to another and left: its process should exit. */
  private final CompletableFuture<Long> left = new CompletableFuture<>();
  private final String token;
  private Proxy proxy;
  private HealthChecker checker;
  private Fleet fleet;
  private AdminServer admin;
  /** TLS: certificates, ACME, the redirect listener. Null until the proxy starts. */
  private volatile TlsSetup tls;
  private StateDoc doc;
  private Deployment current;
  /** Servers an earlier run left that no group claims, until they are stopped. Guarded by this. */
  private final List<Adoption.Found> strays = new ArrayList<>();

  private Daemon(AppConfig config, StateLock lock) {
    this.config = requireNonNull(config, "config");
    this.lock = lock;
    this.store = new StateStore<>(config.state().resolve("state.json"), StateDoc.class);
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
    return start(config, version, progress, Launch.BIND);
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

  /** As {@link #start(AppConfig, String, Consumer)}, on the socket {@code launch} says. */
  public static Daemon start(AppConfig config, String version, Consumer<Event> progress, Launch launch)
      throws DeployException, InterruptedException {
    if (launch.takeover()) {
      return takeOver(config, progress);
    }
    StateLock lock = StateLock.take(config);
    Daemon d;
    try {
      d = new Daemon(config, lock);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    try {
      d.boot(version, progress, launch.inheritedFd(), null);
      return d;
    } catch (DeployException | InterruptedException | RuntimeException e) {
      d.closeKeepingServers();
      throw e;
    }
  }

  /**
   * A new daemon in place of the running one, without a refused connection or a restarted server:
   * it receives the listening socket over the state folder's Unix socket, serves the running
   * servers on it, then the old daemon stops accepting, drains its connections and exits, leaving
   * the servers; this one then takes the lock and the admin port. Until it serves, any failure
   * leaves the old daemon as it was.
   */
  private static Daemon takeOver(AppConfig config, Consumer<Event> progress)
      throws DeployException, InterruptedException {
    Takeover taken;
    try {
      taken = Handover.request(handoverSocket(config), TAKEOVER_TIMEOUT);
    } catch (Handover.Failure e) {
      throw new DeployException("no takeover: " + e.getMessage());
    }
    Daemon d = null;
    try {
      d = new Daemon(config, null);
      d.boot(null, progress, taken.fd("listen"), taken);
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

  private void boot(String version, Consumer<Event> progress, int inheritedFd, Takeover taken)
      throws DeployException, InterruptedException {
    doc = store.load().orElse(StateDoc.empty(config.app()));
    if (doc.format() > StateDoc.FORMAT) {
      StateDoc newer = doc;
      doc = null; // never written back: this Nonstop would drop what it cannot read
      throw new DeployException(store.file() + " was written by a newer Nonstop (format "
          + newer.format() + "; this one reads up to " + StateDoc.FORMAT + "): run that version, "
          + "or move the file away to start afresh");
    }
    Release live;
    if (doc.live() != null) {
      live = new Release(doc.live());
      if (version != null && !version.equals(doc.live())) {
        log.warn("the state file says {} is live; starting {} (deploy {} to change it)", doc.live(), doc.live(), version);
      }
    } else if (version != null) {
      live = new Release(version);
    } else {
      throw new DeployException("no live release yet: the first 'nonstop up' needs --version V");
    }
    if (inheritedFd < 0) {
      refuseTakenPort(config.listen(), "listen", "the proxy's port, where clients connect");
    }
    if (taken == null) { // in a takeover the old daemon holds these until it exits
      refuseTakenPort(config.admin(), "admin", "the admin API's port");
      if (config.preview() != null) {
        refuseTakenPort(config.preview(), "preview", "where a blue-green --preview group answers");
      }
      if (config.tls() != null && config.tls().redirectHttp() != null) {
        refuseTakenPort(config.tls().redirectHttp(), "tls.redirect-http",
            "the plain-HTTP port that redirects to HTTPS");
      }
    }
    Adoption found = Adoption.survey(doc);
    synchronized (this) {
      strays.addAll(found.stray);
    }
    checker = new HealthChecker(config.health());
    List<Backend> probed = probe(found.live);
    List<Backend> probedWarm = probe(found.warm);
    // the servers that passed are in the pool before the first connection is accepted
    Pool first = Pool.empty(Selector.named(config.balance()))
        .withBackends(probed.stream().filter(b -> b.health() == Health.UP).toList());
    proxy = startProxy(inheritedFd, first);
    if (taken != null) {
      refuseMovedListen();
    }
    metrics.restarts(this::restarts);
    proxy.listener(metrics);
    if (doc.maintenance() != null) {
      proxy.maintenance(doc.maintenance());
    }
    LaunchSpec spec = new LaunchSpec(config.run(), config.workdir(), config.env(), config.stopSignal(),
        config.stopTimeout(), config.state().resolve("logs"));
    fleet = new Fleet(config, proxy, checker, new LocalDriver(config.app(), spec));
    fleet.onChange(this::saveServersQuietly);
    fleet.recorder(this::saveServers);
    metrics.start(() -> fleet.all().stream().map(Server::backend).toList());
    metrics.certificates(() -> {
      java.util.Map<String, java.time.Instant> m = new java.util.LinkedHashMap<>();
      TlsSetup t = tls;
      if (t != null) {
        t.certificates().forEach(c -> {
          if (c.notAfter() != null) {
            m.put(String.join(",", c.names()), c.notAfter());
          }
        });
      }
      return m;
    });
    List<Server> adopted = adopt(found.live, probed);
    keepWarm(found.warm, probedWarm);
    if (taken != null) {
      succeed(taken);
    }
    stopStraysInBackground(found);
    Deployment boot = new Deployment(0, "up", config.strategy(), null, live,
        Boot.resume(fleet, live, runningInstances(adopted), adopted), traffic);
    boot.subscribe(progress);
    Report r = boot.run();
    if (!r.result().equals("done")) {
      throw new DeployException(r.message());
    }
    StateDoc booted = doc.live() == null ? withLive(doc, live.version(), doc.previous()) : doc;
    if (adopted.isEmpty() || booted.applied() == null) { // every server runs this file's settings
      booted = new StateDoc(StateDoc.FORMAT, booted.app(), booted.live(), booted.previous(), booted.maintenance(),
          booted.servers(), booted.history(), StateDoc.serverSettings(config));
    }
    update(booted);
    List<String> pending = doc.pending(config);
    if (!pending.isEmpty()) {
      log.warn("the running servers were started with other settings of {} ({}): they apply at the next deploy",
          config.file().getFileName(), String.join(", ", pending));
    }
    admin = startAdmin(taken != null);
    startTls(taken != null);
    lock.announce(config, proxy.address(), admin.address());
    if (taken == null) {
      SystemdNotify.send("READY=1"); // nothing outside systemd
    }
    if (proxy.transport() != dev.nonstop.proxy.TransportKind.NIO) {
      try {
        handover = Handover.serve(handoverSocket(config), new Host());
      } catch (java.io.IOException e) {
        log.warn("no takeover possible ('up --takeover'): {}", e.getMessage());
      }
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
    Duration wait = config.drain().plus(Duration.ofSeconds(30));
    if (!taken.awaitExit(wait)) {
      log.warn("pid {} still runs after {}; waiting for the lock of the state folder", taken.pid(), wait);
    }
    taken.close();
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        lock = StateLock.take(config);
        return;
      } catch (DeployException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** A takeover keeps the socket it was given: a {@code listen} edited since cannot apply. */
  private void refuseMovedListen() throws DeployException {
    InetSocketAddress serving = proxy.address();
    InetSocketAddress wanted = config.listen();
    boolean same = serving.getPort() == wanted.getPort()
        && (wanted.getAddress() == null || wanted.getAddress().equals(serving.getAddress()));
    if (!same) {
      throw new DeployException("listen: " + wanted.getHostString() + ":" + wanted.getPort()
          + " in " + config.file().getFileName() + ", but the running daemon listens on "
          + serving.getHostString() + ":" + serving.getPort() + ", and a takeover keeps that socket: "
          + "to move, stop 'nonstop up' and start it again");
    }
  }

  /** The redirect listener, then ACME. */
  private void startTls(boolean retry) throws DeployException, InterruptedException {
    if (config.tls() != null && config.tls().redirectHttp() != null) {
      bound(retry, () -> tls.listen(proxy), e -> taken(config.tls().redirectHttp(),
          "tls.redirect-http", "the plain-HTTP port that redirects to HTTPS", e));
    }
    try {
      tls.startAcme(config.state());
    } catch (IllegalArgumentException e) {
      throw new DeployException("tls.acme: " + e.getMessage(), e);
    }
  }

  private AdminServer startAdmin(boolean retry) throws DeployException, InterruptedException {
    return bound(retry, () -> AdminServer.start(config.admin(), token, this),
        e -> "admin API on " + config.admin() + ": " + e.getMessage());
  }

  /**
   * Binds a port with {@code bind}. After a takeover ({@code retry}) the port frees when the old
   * daemon is gone, so it is tried for up to 10 s; otherwise once, failing with {@code why}.
   */
  private static <T> T bound(boolean retry, java.util.concurrent.Callable<T> bind,
      java.util.function.Function<Exception, String> why)
      throws DeployException, InterruptedException {
    long deadline = System.nanoTime() + (retry ? Duration.ofSeconds(10).toNanos() : 0);
    while (true) {
      try {
        return bind.call();
      } catch (Exception e) { // AdminServer throws IOException, Netty the bind's unchecked
        if (System.nanoTime() > deadline) {
          throw new DeployException(why.apply(e), e);
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * How many servers to run at start: with servers taken over, as many as they were started for
   * (a changed {@code instances} waits for the next deploy, like the other server settings).
   */
  private int runningInstances(List<Server> adopted) {
    if (adopted.isEmpty() || doc.applied() == null || !doc.applied().containsKey("instances")) {
      return config.instances();
    }
    try {
      return Integer.parseInt(doc.applied().get("instances"));
    } catch (NumberFormatException e) {
      return config.instances();
    }
  }

  /**
   * Probes each live server an earlier run left, all at once, one thread each: the result is its
   * backend, UP once it answered its check. Returns when every probe is done, or once one server
   * passed and {@link #PROBE_GRACE} is over: a hung server never holds back the healthy ones. A
   * probe still under way then goes on, and its server joins the pool if it passes.
   */
  private List<Backend> probe(List<Adoption.Found> found) throws InterruptedException {
    List<Backend> backends = new ArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(found.size());
    java.util.concurrent.CountDownLatch onePassed = new java.util.concurrent.CountDownLatch(1);
    for (Adoption.Found f : found) {
      StateDoc.SavedServer s = f.saved();
      Backend b = new Backend(new InetSocketAddress("127.0.0.1", s.port()), s.version(), Health.DOWN);
      backends.add(b);
      Thread t = new Thread(() -> {
        try {
          if (checker.passesNow(b.address())) {
            b.setHealth(Health.UP, "running since before this start, and its check passed");
            onePassed.countDown();
          }
        } finally {
          done.countDown();
        }
      }, "probe-" + s.port());
      t.setDaemon(true);
      t.start();
    }
    long longest = config.health().timeout().toMillis() + 1_000;
    long start = System.nanoTime();
    if (!done.await(PROBE_GRACE.toMillis(), TimeUnit.MILLISECONDS) && !found.isEmpty()) {
      long left = longest - (System.nanoTime() - start) / 1_000_000;
      if (onePassed.await(Math.max(0, left), TimeUnit.MILLISECONDS)) {
        log.info("serving the servers that passed their check; the others are still being probed");
      } else {
        done.await(Math.max(0, longest - (System.nanoTime() - start) / 1_000_000), TimeUnit.MILLISECONDS);
      }
    }
    return backends;
  }

  /** How long the listener waits for slow probes once a server passed. */
  private static final Duration PROBE_GRACE = Duration.ofMillis(200);

  /**
   * Takes over the group an earlier run kept warm for an instant rollback, for the rest of its
   * keep-old time, if every server of it answered its check; else it is stopped.
   */
  private void keepWarm(List<Adoption.Found> found, List<Backend> backends) {
    if (found.isEmpty()) {
      return;
    }
    if (backends.stream().anyMatch(b -> b.health() != Health.UP)) {
      log.warn("the group kept warm for a rollback did not answer its checks: stopping it");
      found.forEach(f -> LocalDriver.stopStray(f.process(), config.stopTimeout()));
      return;
    }
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      StateDoc.SavedServer s = found.get(i).saved();
      try {
        servers.add(fleet.adopt(s.id(), new Release(s.version()), s.slot(), found.get(i).process(), backends.get(i)));
      } catch (IllegalStateException gone) {
        log.info("a server kept warm ({} slot {}) ended meanwhile", s.version(), s.slot());
      }
    }
    java.time.Instant until = java.time.Instant.ofEpochMilli(found.get(0).saved().until());
    fleet.keepWarm(servers, until);
    log.info("taking over the {} group kept warm for a rollback until {}", found.get(0).saved().version(), until);
  }

  /** Takes the probed servers into the fleet: the healthy ones live at once, the others to be checked. */
  private List<Server> adopt(List<Adoption.Found> found, List<Backend> backends) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      Adoption.Found f = found.get(i);
      StateDoc.SavedServer s = f.saved();
      try {
        String id = s.id() != null ? s.id() : "pid-" + f.process().pid();
        Server server = fleet.adopt(id, new Release(s.version()), s.slot(), f.process(), backends.get(i));
        servers.add(server);
        log.info("taking over {} slot {} on port {} (pid {}, {}), running since before this start",
            s.version(), s.slot(), s.port(), f.process().pid(), server.backend().health());
        // at once if its probe passed; else when it does (its probe, or the checks)
        server.backend().whenUp().thenRun(() -> fleet.attach(server));
      } catch (IllegalStateException e) {
        log.info("server pid {} ({} slot {}) ended meanwhile", f.process().pid(), s.version(), s.slot());
      }
    }
    return servers;
  }

  private void stopStraysInBackground(Adoption found) {
    if (found.stray.isEmpty()) {
      return;
    }
    Thread t = new Thread(() -> {
      found.stopStrays(config.stopTimeout());
      synchronized (this) {
        strays.removeAll(found.stray);
        saveServersQuietly();
      }
    }, "stop-strays");
    t.setDaemon(true);
    t.start();
  }

  /** The proxy on listen; a port taken since the check is still one line, not Netty's trace. */
  private Proxy startProxy(int inheritedFd, Pool pool) throws DeployException {
    try {
      tls = TlsSetup.of(config);
    } catch (IllegalArgumentException e) {
      throw new DeployException(config.file().getFileName() + ": " + e.getMessage(), e);
    }
    ProxyOptions options = ProxyOptions.defaults(config.listen()).withLimits(config.limits())
        .withTunnelIdleTimeout(config.streams().idleTimeout())
        .withFront(tls.front());
    if (inheritedFd >= 0) {
      options = options.withInheritedFd(inheritedFd);
    }
    try {
      return Proxy.start(options, pool);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
      throw new DeployException(taken(config.listen(), "listen", "the proxy's port, where clients connect", e), e);
    }
  }

  public AppConfig config() {
    return config;
  }

  /** How often the server behind {@code b} was restarted after it died (for the metrics). */
  private double restarts(Backend b) {
    Fleet f = fleet;
    return f == null ? 0 : f.all().stream().filter(s -> s.backend() == b).mapToInt(Server::restarts).sum();
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

  public Traffic traffic() {
    return traffic;
  }

  Fleet fleet() {
    return fleet;
  }

  // ---- Control ----

  @Override
  public synchronized Object status() {
    return StatusView.of(config, doc, fleet, current, proxy.address(), doc.pending(config),
        metrics::rate, tls == null ? List.of() : tls.certificates());
  }

  @Override
  public synchronized Object history() {
    return doc.history();
  }

  /** The reports of every deployment so far, oldest first. */
  public synchronized List<Report> reports() {
    return doc.history();
  }

  @Override
  public synchronized Progress deploy(DeployRequest request) {
    refuseWhileBusy();
    Release to = parse(() -> new Release(requireNonNull(request.version(), "version")));
    Strategy strategy = request.strategy() == null ? config.strategy() : parse(() -> Strategy.parse(request.strategy()));
    Batch batch = request.batch() == null ? config.batch() : parse(() -> Batch.parse(request.batch()));
    int surge = request.surge() == null ? config.surge() : request.surge();
    if (surge < 0) {
      throw new ControlException(400, "surge: " + surge + " (expected: 0 or more)");
    }
    if (request.preview() && strategy != Strategy.BLUE_GREEN) {
      throw new ControlException(400, "--preview needs the blue-green strategy (expected: --strategy blue-green)");
    }
    Duration bake = request.bake() == null ? config.bake() : parse(() -> Durations.parse(request.bake()));
    Plan plan = plan(strategy, to, batch, surge, request.preview(), bake);
    Rollout rollout = new Rollout(config);
    if (request.preview()) {
      return launch("deploy", strategy, to, rollout.preview(plan), null); // judged and baked once promoted
    }
    Guard guard = guard(to, bake);
    return launch("deploy", strategy, to, rollout.deploy(plan, guard), guard);
  }

  private Guard guard(Release to, Duration bake) {
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    return new Guard(new Judge(config.judge()), fleet, traffic, from, to, bake);
  }

  private Plan plan(Strategy strategy, Release to, Batch batch, int surge, boolean preview, Duration bake) {
    if (strategy == Strategy.CANARY) {
      return Canary.plan(fleet, to, config.instances(), config.canary(), bake);
    }
    if (strategy == Strategy.BLUE_GREEN) {
      InetSocketAddress at = preview
          ? (config.preview() != null ? config.preview() : new InetSocketAddress("127.0.0.1", 0))
          : null;
      return BlueGreen.plan(fleet, to, config.instances(), at, bake);
    }
    return InPlace.plan(fleet, to, batch.size(config.instances()), surge, config.instances());
  }

  @Override
  public synchronized Progress rollback() {
    refuseWhileBusy();
    Fleet.Group warm = fleet.takeWarm();
    if (warm != null) {
      return launch("rollback", Strategy.BLUE_GREEN, warm.release(), BlueGreen.switchBack(fleet, warm), null);
    }
    if (doc.previous() == null) {
      throw new ControlException(409, "nothing to roll back to: " + doc.live() + " is the only release deployed so far");
    }
    Release to = new Release(doc.previous());
    // a rollback is not judged, and a canary's slow steps are no way back: a full group, then the switch
    Strategy strategy = config.strategy() == Strategy.CANARY ? Strategy.BLUE_GREEN : config.strategy();
    return launch("rollback", strategy, to, plan(strategy, to, config.batch(), config.surge(), false, Duration.ZERO),
        null);
  }

  @Override
  public synchronized Progress promote() {
    if (current != null && !current.done().isDone()) {
      if (current.promote()) {
        return current; // a canary's steps or a bake: skipped, followed to their end
      }
      refuseWhileBusy();
    }
    Fleet.Group preview = fleet.preview();
    if (preview == null) {
      throw new ControlException(409, "nothing to promote: no preview group waits (deploy with --strategy blue-green --preview first) and no canary or bake runs");
    }
    Guard guard = guard(preview.release(), config.bake());
    return launch("promote", Strategy.BLUE_GREEN, preview.release(),
        new Rollout(config).promote(BlueGreen.promote(fleet, preview, config.bake()), guard), guard);
  }

  @Override
  public synchronized String abort() {
    if (current != null && current.abort()) {
      return "aborting " + current.kind() + " #" + current.id() + " of " + current.to()
          + ": " + doc.live() + " stays live (follow it with 'nonstop status')";
    }
    Fleet.Group preview = fleet.endPreview();
    if (preview != null) {
      fleet.retireInBackground(preview.servers());
      return "dropped the " + preview.release() + " preview group; " + doc.live() + " stays live";
    }
    throw new ControlException(409, "nothing to abort: no deployment is running and no preview waits");
  }

  @Override
  public synchronized void maintenance(boolean on, String message) {
    refuseWhileHandingOver();
    String text = on ? (message == null || message.isBlank() ? DEFAULT_MAINTENANCE : message) : null;
    proxy.maintenance(text);
    update(new StateDoc(StateDoc.FORMAT, doc.app(), doc.live(), doc.previous(), text, doc.servers(), doc.history(),
        doc.applied()));
    log.info("maintenance page {}", on ? "on: " + text : "off");
  }

  // ---- observability (Control's views for scrapers and the dashboard) ----

  @Override
  public String metrics() {
    return metrics.scrape();
  }

  @Override
  public Object series() {
    return metrics.series().view();
  }

  @Override
  public void watch(Consumer<Object> watcher) {
    feed.watch(watcher);
  }

  @Override
  public void unwatch(Consumer<Object> watcher) {
    feed.unwatch(watcher);
  }

  // ---- takeover ----

  private void refuseWhileHandingOver() {
    if (handingOver) {
      throw new ControlException(409, "a takeover ('up --takeover') is under way: try again once the new daemon serves");
    }
  }

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
  private final class Host implements Handover.Host {
    private long newcomer;

    @Override
    public Handover.Offer prepare(long newcomerPid) {
      synchronized (Daemon.this) {
        if (current != null && !current.done().isDone()) {
          return Handover.Offer.refused(current.kind() + " #" + current.id() + " of " + current.to()
              + " is running: wait for it, or stop it with 'nonstop abort', then take over");
        }
        if (fleet.preview() != null) {
          return Handover.Offer.refused("a preview of " + fleet.preview().release()
              + " waits: 'nonstop promote' or 'nonstop abort' it first");
        }
        try {
          save(doc); // the newcomer reads the servers from the file
        } catch (RuntimeException e) {
          return Handover.Offer.refused("the state cannot be saved (" + e.getMessage() + ")");
        }
        handingOver = true;
        newcomer = newcomerPid;
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
    try {
      int cut = proxy.handOff(config.drain()).get(config.drain().toMillis() + 5_000, TimeUnit.MILLISECONDS);
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
    deployer.shutdownNow();
    if (fleet != null) {
      fleet.leave();
    }
    if (checker != null) {
      checker.close();
    }
    metrics.close();
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

  // ---- deployments ----

  private void refuseWhileBusy() {
    refuseWhileHandingOver();
    if (current != null && !current.done().isDone()) {
      throw new ControlException(409, current.kind() + " #" + current.id() + " ("
          + (current.from() == null ? "" : current.from() + " -> ") + current.to() + ", " + current.strategy()
          + ") is running since " + current.startedAt() + ", at step " + current.currentStep() + "/"
          + current.plan().steps().size() + "; wait for it, or stop it with 'nonstop abort'");
    }
    if (fleet.preview() != null) {
      throw new ControlException(409, "a preview of " + fleet.preview().release()
          + " waits: make it live with 'nonstop promote' or drop it with 'nonstop abort' first");
    }
  }

  /** @param guard judges the new release through the plan, or null for a plan not judged */
  private Progress launch(String kind, Strategy strategy, Release to, Plan plan, Guard guard) {
    try {
      save(doc); // a deployment records every server it starts: check before the first step
    } catch (java.io.UncheckedIOException e) {
      throw new ControlException(507, "no " + kind + ": the state cannot be saved (" + e.getMessage()
          + "); nothing was changed: make " + store.file().getParent() + " writable or free space in it, then try again");
    }
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    Deployment d = new Deployment(doc.nextId(), kind, strategy, from, to, plan, traffic);
    if (guard != null) {
      d.guardedBy(guard);
    }
    current = d;
    d.onReport(r -> finish(d, r));
    feed.follow(d);
    deployer.execute(d::run);
    return d;
  }

  private synchronized void finish(Deployment d, Report r) {
    StateDoc next = doc;
    if (r.result().equals("done")) {
      String prev = d.from() == null ? doc.previous() : d.from().version();
      if (d.from() != null && d.from().equals(d.to())) {
        prev = doc.previous();
      }
      next = withLive(doc, d.to().version(), prev);
      next = new StateDoc(StateDoc.FORMAT, next.app(), next.live(), next.previous(), next.maintenance(),
          next.servers(), next.history(), StateDoc.serverSettings(config));
    }
    List<Report> history = new ArrayList<>(next.history());
    history.add(tls == null || tls.certificates().isEmpty() ? r : r.withCertificates(
        tls.certificates().stream().map(TlsSetup.Cert::line).toList()));
    metrics.deployEnded(r);
    update(new StateDoc(StateDoc.FORMAT, next.app(), next.live(), next.previous(), next.maintenance(), next.servers(),
        history, next.applied()));
  }

  private static StateDoc withLive(StateDoc doc, String live, String previous) {
    return new StateDoc(StateDoc.FORMAT, doc.app(), live, previous, doc.maintenance(), doc.servers(), doc.history(),
        doc.applied());
  }

  /** Saves the servers now; throws when the state file cannot be written. */
  private synchronized void saveServers() {
    if (doc != null && fleet != null) {
      save(doc);
    }
  }

  private synchronized void saveServersQuietly() {
    if (doc != null && fleet != null) {
      update(doc);
    }
  }

  /** {@link #save}, logging a failure: for changes already made, which a failed save cannot undo. */
  private void update(StateDoc next) {
    try {
      save(next);
    } catch (RuntimeException e) {
      log.error("could not save the state: {}", e.getMessage());
    }
  }

  /**
   * Makes {@code next}, with the servers as they are now, the state, in memory and on disk.
   *
   * @throws java.io.UncheckedIOException when the file cannot be written (the state in memory is
   *     the new one all the same)
   */
  private void save(StateDoc next) {
    List<StateDoc.SavedServer> servers = new ArrayList<>();
    for (Fleet.Record r : fleet.records()) {
      long pid = r.process() == null ? 0 : r.process().pid();
      long ticks = r.process() == null ? 0 : r.process().startTicks();
      servers.add(new StateDoc.SavedServer(r.slot(), r.release().version(), r.port(), pid, 0, ticks,
          r.role().name(), r.id(), r.until() == null ? 0 : r.until().toEpochMilli()));
    }
    for (Adoption.Found f : strays) {
      StateDoc.SavedServer s = f.saved();
      servers.add(new StateDoc.SavedServer(s.slot(), s.version(), s.port(), f.process().pid(), 0,
          f.process().startTicks(), Fleet.Role.OTHER.name(), s.id(), 0));
    }
    doc = next.withServers(servers);
    store.save(doc);
  }

  /** Fails before any server starts when another process holds {@code address}. */
  private static void refuseTakenPort(InetSocketAddress address, String key, String what) throws DeployException {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(address);
    } catch (java.io.IOException e) {
      throw new DeployException(taken(address, key, what, e));
    }
  }

  private static String taken(InetSocketAddress address, String key, String what, Exception e) {
    return key + ": " + address.getHostString() + ":" + address.getPort() + " is taken (" + e.getMessage() + "); it is "
        + what + ": stop what holds it or choose another port";
  }

  private static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ControlException(400, e.getMessage());
    }
  }

  /**
   * Stops cleanly: the admin API first, then every live server is drained (in-flight requests
   * finish), the proxy closes and the servers stop.
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
    Deployment running;
    synchronized (this) {
      running = current;
    }
    if (running != null && running.abort()) {
      running.done().orTimeout(config.healthDeadline().toMillis() + 30_000, TimeUnit.MILLISECONDS)
          .exceptionally(e -> null).join();
    }
    deployer.shutdownNow();
    if (fleet != null && proxy != null) {
      List<CompletableFuture<Integer>> drains = new ArrayList<>();
      for (Server s : fleet.live()) {
        drains.add(proxy.drain(s.backend(), config.drain()));
      }
      drains.forEach(f -> f.exceptionally(e -> 0).join());
    }
    if (proxy != null) {
      proxy.close();
    }
    if (fleet != null) {
      fleet.close();
      synchronized (this) {
        if (doc != null) {
          update(doc);
        }
      }
    }
    if (checker != null) {
      checker.close();
    }
    metrics.close();
    if (lock != null) {
      lock.close(); // last: the next up may take the folder only once these servers are gone
    }
  }
}
