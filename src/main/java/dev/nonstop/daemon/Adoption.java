package dev.nonstop.daemon;

import dev.nonstop.deploy.Fleet;
import dev.nonstop.instance.LocalDriver;
import dev.nonstop.instance.ProcessId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  private Adoption(List<Found> live, List<Found> warm, List<Found> stray) {
    this.live = List.copyOf(live);
    this.warm = List.copyOf(warm);
    this.stray = List.copyOf(stray);
  }

  static Adoption survey(StateDoc doc) {
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
    if (warm.stream().map(f -> f.saved().version()).distinct().count() > 1) {
      stray.addAll(warm); // one warm group is one release; anything else is not one to switch back to
      warm.clear();
    }
    return new Adoption(live, warm, stray);
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
