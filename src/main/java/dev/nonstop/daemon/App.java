package dev.nonstop.daemon;

import dev.nonstop.admin.ControlException;
import dev.nonstop.config.AppConfig;
import dev.nonstop.deploy.Boot;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.deploy.Deployment;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Fleet;
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
import dev.nonstop.proxy.Site;
import dev.nonstop.state.StateStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app of a running Nonstop: its site on the proxy, its fleet of servers, its state file, its
 * metrics and event feed, and at most one deployment at a time ({@link Deployments} runs them).
 * The apps of one daemon deploy side by side, each on its own deployer thread.
 *
 * <p>Thread-safe: admin calls arrive on the admin server's threads, this app's deployments run on
 * its deployer thread, and every change of {@link #doc} or {@link #current} holds {@code this}.
 * An app never takes its daemon's lock, so the daemon may hold every app's lock at once (a
 * takeover's offer) without a deadlock.
 */
final class App {
  private static final Logger log = LoggerFactory.getLogger(App.class);

  /** What an app asks of the daemon it runs in. */
  interface Host {
    /** Throws a 409 while a takeover is under way: changes wait until it ends. */
    void refuseWhileHandingOver();

    /** The certificates the listener serves, for the status and the reports. */
    List<TlsSetup.Cert> certificates();

    /** Where clients connect. */
    InetSocketAddress listen();
  }

  final AppConfig config;
  final Host host;
  final StateStore<StateDoc> store;
  final Traffic traffic = new Traffic();
  final Metrics metrics;
  final EventFeed feed = new EventFeed();
  final ExecutorService deployer;
  final Deployments deployments = new Deployments(this);
  /** Guarded by this. */
  StateDoc doc;
  /** The deployment under way or the last one; guarded by this. */
  Deployment current;
  /** Servers an earlier run left that no group claims, until they are stopped. Guarded by this. */
  private final List<Adoption.Found> strays = new ArrayList<>();
  private Adoption found;
  private List<Backend> probed = List.of();
  private List<Backend> probedWarm = List.of();
  private List<Server> adopted = List.of();
  private HealthChecker checker;
  Fleet fleet;
  Site site;

  /**
   * @param files where its state is: its own file, or one an earlier run left under its name
   * @param meters its metrics, fed by its traffic
   */
  App(AppConfig config, StateFiles files, Function<Traffic, Metrics> meters, Host host) {
    this.config = config;
    this.store = files.store(config);
    this.doc = files.claim(config);
    this.metrics = meters.apply(traffic);
    this.host = host;
    boolean several = !config.routing().equals(dev.nonstop.config.Routing.ALL);
    this.deployer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(() -> {
        if (several) {
          org.slf4j.MDC.put("app", config.app()); // a deploy's log lines name their app
        }
        r.run();
      }, "deployer-" + config.app());
      t.setDaemon(true);
      return t;
    });
  }

  String name() {
    return config.app();
  }

  /** The release to start: the state's live one, else {@code version}. */
  Release liveRelease(String version) throws DeployException {
    if (doc.live() != null) {
      if (version != null && !version.equals(doc.live())) {
        log.warn("{}: the state file says {} is live; starting {} (deploy {} to change it)", name(), doc.live(),
            doc.live(), version);
      }
      return new Release(doc.live());
    }
    if (version != null) {
      return new Release(version);
    }
    if (config.routing().equals(dev.nonstop.config.Routing.ALL)) {
      throw new DeployException("no live release yet: the first 'nonstop up' needs --version V");
    }
    throw new DeployException("no live release yet for app " + name() + ": the first 'nonstop up' needs --version "
        + name() + "=V (or --version V for every app without one)");
  }

  /** Finds the servers an earlier run left and probes them: before the proxy accepts. */
  void survey() throws InterruptedException {
    found = Adoption.survey(doc, config.keepOld());
    synchronized (this) {
      strays.addAll(found.stray);
    }
    checker = new HealthChecker(config.health());
    probed = Adoption.probe(found.live, checker, config.health().timeout());
    probedWarm = Adoption.probe(found.warm, checker, config.health().timeout());
  }

  /**
   * {@code live}, or the release that serves after a deploy cut off past its switch: its servers
   * are the ones taken over, and it is what clients get.
   */
  Release serving(Release live) {
    if (found.cutOff == null) {
      return live;
    }
    log.warn("{}: a deploy to {} was cut off after its switch: {} serves and stays live, {} is kept warm for"
        + " a rollback", name(), found.cutOff, found.cutOff, live.version());
    return new Release(found.cutOff);
  }

  /** The pool served first: the servers that passed their probe. */
  Pool firstPool() {
    return Pool.empty(Selector.named(config.balance()))
        .withBackends(probed.stream().filter(b -> b.health() == Health.UP).toList());
  }

  /** Serves on {@code site}: its requests are counted here, and the servers found are taken over. */
  void attach(Site site) {
    this.site = site;
    metrics.restarts(this::restarts);
    site.listener(metrics);
    if (doc.maintenance() != null) {
      site.maintenance(doc.maintenance());
    }
    LaunchSpec spec = new LaunchSpec(config.run(), config.workdir(), config.env(), config.stopSignal(),
        config.stopTimeout(), config.state().resolve("logs"));
    fleet = new Fleet(config, site, checker, new LocalDriver(config.app(), spec));
    fleet.onChange(this::saveServersQuietly);
    fleet.recorder(this::saveServers);
    metrics.start(() -> fleet.all().stream().map(Server::backend).toList());
    adopted = found.adopt(fleet, probed);
    found.keepWarm(fleet, probedWarm, config.stopTimeout());
  }

  /**
   * Stops the strays, then starts the live release's servers that are missing; returns once
   * {@code instances} of them are healthy and attached.
   */
  void boot(Release live, Consumer<Event> progress) throws DeployException {
    stopStraysInBackground();
    Deployment boot = new Deployment(0, "up", config.strategy(), null, live,
        Boot.resume(fleet, live, runningInstances(), adopted), traffic);
    boot.subscribe(progress);
    Report r = boot.run();
    if (!r.result().equals("done")) {
      throw new DeployException(r.message());
    }
    synchronized (this) {
      StateDoc booted = doc.live() == null ? doc.withLive(live.version(), doc.previous())
          : !doc.live().equals(live.version()) ? doc.withLive(live.version(), doc.live()) // a cut-off deploy's
          : doc;
      if (adopted.isEmpty() || booted.applied() == null) { // every server runs this file's settings
        booted = booted.withApplied(StateDoc.serverSettings(config));
      }
      update(booted);
      List<String> pending = doc.pending(config);
      if (!pending.isEmpty()) {
        log.warn("{}: the running servers were started with other settings of {} ({}): they apply at the next deploy",
            name(), config.file().getFileName(), String.join(", ", pending));
      }
    }
  }

  /**
   * How many servers to run at start: with servers taken over, as many as they were started for
   * (a changed {@code instances} waits for the next deploy, like the other server settings).
   */
  private int runningInstances() {
    if (adopted.isEmpty() || doc.applied() == null || !doc.applied().containsKey("instances")) {
      return config.instances();
    }
    try {
      return Integer.parseInt(doc.applied().get("instances"));
    } catch (NumberFormatException e) {
      return config.instances();
    }
  }

  private void stopStraysInBackground() {
    if (found.stray.isEmpty()) {
      return;
    }
    Thread t = new Thread(() -> {
      found.stopStrays(config.stopTimeout());
      synchronized (this) {
        strays.removeAll(found.stray);
        saveServersQuietly();
      }
    }, "stop-strays-" + name());
    t.setDaemon(true);
    t.start();
  }

  /** How often the server behind {@code b} was restarted after it died (for the metrics). */
  private double restarts(Backend b) {
    Fleet f = fleet;
    return f == null ? 0 : f.all().stream().filter(s -> s.backend() == b).mapToInt(Server::restarts).sum();
  }

  // ---- state ----

  /** Saves the servers now; throws when the state file cannot be written. */
  synchronized void saveServers() {
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
  void update(StateDoc next) {
    try {
      save(next);
    } catch (RuntimeException e) {
      log.error("{}: could not save the state: {}", name(), e.getMessage());
    }
  }

  /**
   * Makes {@code next}, with the servers as they are now, the state, in memory and on disk.
   *
   * @throws java.io.UncheckedIOException when the file cannot be written (the state in memory is
   *     the new one all the same)
   */
  void save(StateDoc next) {
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

  // ---- takeover and the end ----

  /** Why a takeover must wait for this app, or null. The caller holds this app's lock. */
  String takeoverRefusal() {
    if (current != null && !current.done().isDone()) {
      return current.kind() + " #" + current.id() + " of " + current.to()
          + " is running: wait for it, or stop it with 'nonstop abort', then take over";
    }
    if (fleet.preview() != null) {
      return "a preview of " + fleet.preview().release()
          + " waits: 'nonstop promote' or 'nonstop abort' it first";
    }
    return null;
  }

  /** Lets go of the servers without stopping them: after a takeover, or a failed start. */
  void leave() {
    deployer.shutdownNow();
    if (fleet != null) {
      fleet.leave();
    }
    if (checker != null) {
      checker.close();
    }
  }

  /** Stops the deployment under way (it puts the old release back) and waits for its end. */
  void stopDeploying() {
    Deployment running;
    synchronized (this) {
      running = current;
    }
    if (running != null && running.abort()) {
      running.done().orTimeout(config.healthDeadline().toMillis() + 30_000, TimeUnit.MILLISECONDS)
          .exceptionally(e -> null).join();
    }
    deployer.shutdownNow();
  }

  /** Drains every live server: their in-flight requests finish. */
  List<CompletableFuture<Integer>> drainLive() {
    List<CompletableFuture<Integer>> drains = new ArrayList<>();
    if (fleet != null && site != null) {
      for (Server s : fleet.live()) {
        drains.add(site.drain(s.backend(), config.drain()));
      }
    }
    return drains;
  }

  /** Stops every server and saves that they are gone. */
  void stopServers() {
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
  }
}
