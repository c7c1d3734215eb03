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
 * serves an old release behind nobody's back. A pid is only signalled when the process's command
 * line still names the server's port, so a reused pid is left alone.
 */
final class Leftovers {
  private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

  private Leftovers() {}

  static void stop(List<StateDoc.SavedServer> servers, Duration timeout) {
    for (StateDoc.SavedServer s : servers) {
      Optional<ProcessHandle> p = ProcessHandle.of(s.pid())
          .filter(ProcessHandle::isAlive)
          .filter(h -> h.info().commandLine().map(c -> c.contains(Integer.toString(s.port()))).orElse(false));
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
