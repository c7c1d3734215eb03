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
   * A server process as last seen.
   *
   * @param started when the process started, in epoch millis; 0 when unknown (state files of
   *     older versions), and then the port on its command line tells it from a reused pid
   */
  public record SavedServer(int slot, String version, int port, long pid, long started) {}

  /** The layout this Nonstop writes and reads; raise it when a field changes meaning. */
  public static final int FORMAT = 1;

  public StateDoc {
    servers = servers == null ? List.of() : List.copyOf(servers);
    history = history == null ? List.of() : List.copyOf(history);
  }

  static StateDoc empty(String app) {
    return new StateDoc(FORMAT, app, null, null, null, List.of(), List.of());
  }

  int nextId() {
    return history.isEmpty() ? 1 : history.get(history.size() - 1).id() + 1;
  }
}
