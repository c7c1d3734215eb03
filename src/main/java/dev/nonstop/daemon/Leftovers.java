package dev.nonstop.daemon;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Servers a crashed or killed {@code nonstop up} left running. They are stopped (TERM, then KILL
 * after the stop timeout) before fresh ones start, so that no stray process holds on to ports or
 * serves an old release behind nobody's back. A pid is only signalled when the process still
 * started at the saved instant (or, for state saved without one, when its command line names the
 * server's port), so a reused pid is left alone. The start instant also finds servers whose
 * {@code run} has no {@code {port}} and that read PORT instead.
 */
final class Leftovers {
  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

  private Leftovers() {}

  /** When {@code pid} started, in epoch millis; 0 when the system does not say. */
  static long started(long pid) {
    return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(java.time.Instant::toEpochMilli).orElse(0L);
  }

  private static boolean sameProcess(ProcessHandle h, StateDoc.SavedServer s) {
    if (s.started() != 0) {
      // Linux derives it from boot time and clock ticks: stable, but allow for rounding
      return h.info().startInstant().map(i -> Math.abs(i.toEpochMilli() - s.started()) < 1_000).orElse(false);
    }
    return h.info().commandLine().map(c -> c.contains(Integer.toString(s.port()))).orElse(false);
  }

  static void stop(List<StateDoc.SavedServer> servers, Duration timeout) {
    for (StateDoc.SavedServer s : servers) {
      Optional<ProcessHandle> p = ProcessHandle.of(s.pid())
          .filter(ProcessHandle::isAlive)
          .filter(h -> sameProcess(h, s));
      if (p.isEmpty()) {
        continue;
      }
      ProcessHandle h = p.get();
      log.warn("stopping a server left running by an earlier run: pid {} ({} slot {}, port {})",
          s.pid(), s.version(), s.slot(), s.port());
      h.destroy();
      try {
        h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }
}
