package dev.nonstop.daemon;

import dev.nonstop.deploy.Report;
import java.util.List;

/**
 * What survives a restart of {@code nonstop up}: the live and previous releases, the servers that
 * were running (so that leftovers of a crash can be stopped), the maintenance page, and the
 * history of deployments with their reports.
 *
 * @param format the layout of the file: {@link #FORMAT} when this Nonstop wrote it, 0 in files of
 *     versions before formats were numbered; a larger one is refused (see Daemon)
 * @param maintenance the maintenance message, or null when the page is off
 */
public record StateDoc(
    int format,
    String app,
    String live,
    String previous,
    String maintenance,
    List<SavedServer> servers,
    List<Report> history) {

  /**
   * A server process as last seen, saved before it is spawned (pid 0) and again once it runs.
   *
   * @param pid its pid, which is also its process group; 0 while it is only intended
   * @param started format 1 only: when it started, in epoch millis (0 in later formats)
   * @param startTicks when it started, in clock ticks since boot (/proc/PID/stat): with the pid,
   *     it tells the server from a process that reuses its pid; 0 when unknown
   * @param role its group: LIVE, WARM, PREVIEW or OTHER (starting, or being retired); null in
   *     format 1
   * @param id its name, also in its environment (NONSTOP_SERVER_ID): finds a server whose pid
   *     was never saved; null in format 1
   */
  public record SavedServer(int slot, String version, int port, long pid, long started, long startTicks,
      String role, String id) {}

  /** The layout this Nonstop writes and reads; raise it when a field changes meaning. */
  public static final int FORMAT = 2;

  public StateDoc {
    servers = servers == null ? List.of() : List.copyOf(servers);
    history = history == null ? List.of() : List.copyOf(history);
  }

  /** The same document with other servers. */
  StateDoc withServers(List<SavedServer> next) {
    return new StateDoc(FORMAT, app, live, previous, maintenance, next, history);
  }

  static StateDoc empty(String app) {
    return new StateDoc(FORMAT, app, null, null, null, List.of(), List.of());
  }

  int nextId() {
    return history.isEmpty() ? 1 : history.get(history.size() - 1).id() + 1;
  }
}
