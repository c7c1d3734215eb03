package dev.nonstop.daemon;

import dev.nonstop.deploy.Fleet;
import dev.nonstop.deploy.Server;
import dev.nonstop.health.HealthChecker;
import dev.nonstop.instance.LocalDriver;
import dev.nonstop.instance.ProcessId;
import dev.nonstop.instance.Release;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers an earlier {@code nonstop up} left running, found again from the state file: those
 * that were live are taken over ({@link #live}), and the group kept warm for a rollback while its
 * time lasts ({@link #warm}); the rest (a deployment's new servers not yet attached, servers being
 * retired, a preview) are stopped ({@link #stray}), so that none is left unknown.
 *
 * <p>A server is found by its saved pid and start time; when that process is gone, or its pid was
 * never saved (Nonstop died between the spawn and the save, or while restarting a crashed server),
 * by the {@code NONSTOP_SERVER_ID} in its environment. A process that only reuses a pid is never
 * touched.
 */
final class Adoption {
  private static final Logger log = LoggerFactory.getLogger(Adoption.class);

  /** A saved server whose process still runs. */
  record Found(StateDoc.SavedServer saved, ProcessId process) {}

  final List<Found> live;
  /** The group kept warm for an instant rollback, while its keep-old time lasts. */
  final List<Found> warm;
  final List<Found> stray;
  /**
   * The release the live servers run when it is not the state's live one: a deploy was cut off
   * (a crash, kill -9) after its switch and before it was done. Null otherwise.
   */
  final String cutOff;

  private Adoption(List<Found> live, List<Found> warm, List<Found> stray, String cutOff) {
    this.live = List.copyOf(live);
    this.warm = List.copyOf(warm);
    this.stray = List.copyOf(stray);
    this.cutOff = cutOff;
  }

  static Adoption survey(StateDoc doc) {
    return survey(doc, Duration.ZERO);
  }

  /**
   * Sorts the saved servers still running into the live group, the group kept warm and strays.
   * After a deploy cut off past its switch, the release it switched from is kept warm for {@code
   * keepOld}, as a finished switch keeps it: the rollback stays instant.
   */
  static Adoption survey(StateDoc doc, Duration keepOld) {
    List<Found> live = new ArrayList<>();
    List<Found> warm = new ArrayList<>();
    List<Found> stray = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (StateDoc.SavedServer s : doc.servers()) {
      Optional<ProcessId> process = find(s);
      if (process.isEmpty()) {
        log.debug("server {} ({} slot {}) is gone", s.id(), s.version(), s.slot());
        continue;
      }
      Found f = new Found(s, process.get());
      boolean wasLive = s.role() == null
          ? s.version().equals(doc.live()) // format 1 saved no roles
          : s.role().equals(Fleet.Role.LIVE.name());
      boolean stillWarm = Fleet.Role.WARM.name().equals(s.role()) && s.until() > now && s.id() != null;
      (wasLive ? live : stillWarm ? warm : stray).add(f);
    }
    List<String> serving = live.stream().map(f -> f.saved().version()).distinct().toList();
    String cutOff = serving.size() == 1 && doc.live() != null && !serving.get(0).equals(doc.live())
        ? serving.get(0) : null;
    if (cutOff != null && warm.isEmpty()) {
      long until = now + keepOld.toMillis();
      for (Found f : List.copyOf(stray)) {
        StateDoc.SavedServer s = f.saved();
        if (s.version().equals(doc.live()) && s.id() != null) {
          stray.remove(f);
          warm.add(new Found(new StateDoc.SavedServer(s.slot(), s.version(), s.port(), s.pid(), s.started(),
              s.startTicks(), Fleet.Role.WARM.name(), s.id(), until), f.process()));
        }
      }
    }
    if (warm.stream().map(f -> f.saved().version()).distinct().count() > 1) {
      stray.addAll(warm); // one warm group is one release; anything else is not one to switch back to
      warm.clear();
    }
    return new Adoption(live, warm, stray, cutOff);
  }

  private static Optional<ProcessId> find(StateDoc.SavedServer s) {
    if (s.pid() > 0) {
      Optional<ProcessId> now = ProcessId.of(s.pid());
      if (now.isPresent() && sameStart(now.get(), s)) {
        return now;
      }
    }
    if (s.id() != null) {
      return ProcessId.withEnvironment(LocalDriver.SERVER_ID, s.id());
    }
    return Optional.empty();
  }

  private static boolean sameStart(ProcessId now, StateDoc.SavedServer s) {
    if (s.startTicks() != 0) {
      return now.startTicks() == s.startTicks();
    }
    if (s.started() != 0) { // format 1: epoch millis from the JDK, rounded
      return ProcessHandle.of(now.pid()).flatMap(h -> h.info().startInstant())
          .map(i -> Math.abs(i.toEpochMilli() - s.started()) < 1_000).orElse(false);
    }
    return false;
  }

  /**
   * Probes each server, all at once, one thread each: the result is its backend, UP once it
   * answered its check. Returns when every probe is done, or once one server passed and
   * {@link #PROBE_GRACE} is over: a hung server never holds back the healthy ones. A probe still
   * under way then goes on, and its server joins the pool if it passes.
   */
  static List<Backend> probe(List<Found> found, HealthChecker checker, Duration checkTimeout)
      throws InterruptedException {
    List<Backend> backends = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(found.size());
    CountDownLatch onePassed = new CountDownLatch(1);
    for (Found f : found) {
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
    long longest = checkTimeout.toMillis() + 1_000;
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

  /** Takes the probed live servers into the fleet: the healthy ones live at once, the others to be checked. */
  List<Server> adopt(Fleet fleet, List<Backend> backends) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < live.size(); i++) {
      Found f = live.get(i);
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

  /**
   * Takes over the group an earlier run kept warm for an instant rollback, for the rest of its
   * keep-old time, if every server of it answered its check; else it is stopped.
   */
  void keepWarm(Fleet fleet, List<Backend> backends, Duration stopTimeout) {
    if (warm.isEmpty()) {
      return;
    }
    if (backends.stream().anyMatch(b -> b.health() != Health.UP)) {
      log.warn("the group kept warm for a rollback did not answer its checks: stopping it");
      warm.forEach(f -> LocalDriver.stopStray(f.process(), stopTimeout));
      return;
    }
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < warm.size(); i++) {
      StateDoc.SavedServer s = warm.get(i).saved();
      try {
        servers.add(fleet.adopt(s.id(), new Release(s.version()), s.slot(), warm.get(i).process(), backends.get(i)));
      } catch (IllegalStateException gone) {
        log.info("a server kept warm ({} slot {}) ended meanwhile", s.version(), s.slot());
      }
    }
    Instant until = Instant.ofEpochMilli(warm.get(0).saved().until());
    fleet.keepWarm(servers, until);
    log.info("taking over the {} group kept warm for a rollback until {}", warm.get(0).saved().version(), until);
  }

  /** Stops the strays (each group TERM, then KILL after {@code timeout}), one after another. */
  void stopStrays(Duration timeout) {
    for (Found f : stray) {
      StateDoc.SavedServer s = f.saved();
      log.warn("stopping a server an earlier run left and no group claims: pid {} ({} slot {}, port {}, {})",
          f.process().pid(), s.version(), s.slot(), s.port(),
          s.role() == null ? "not live" : s.role().toLowerCase(java.util.Locale.ROOT));
      LocalDriver.stopStray(f.process(), timeout);
    }
  }
}
