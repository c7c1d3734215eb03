package dev.nonstop.daemon;

import dev.nonstop.deploy.Report;
import dev.nonstop.config.AppConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    List<Report> history,
    Map<String, String> applied) {

  /**
   * The settings of nonstop.yml that the running servers were started with ({@link #serverSettings}),
   * saved when a deployment ends: after a takeover with an edited file, they tell which settings
   * wait for the next deploy. Null in files of earlier versions.
   */
  static Map<String, String> serverSettings(AppConfig config) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("run", config.run());
    m.put("workdir", config.workdir().toString());
    m.put("env", new TreeMap<>(config.env()).toString());
    m.put("instances", Integer.toString(config.instances()));
    m.put("stop", config.stopSignal() + " " + config.stopTimeout());
    return m;
  }

  /** The settings of {@code config} its servers do not run with yet, by name. */
  List<String> pending(AppConfig config) {
    if (applied == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    serverSettings(config).forEach((k, v) -> {
      if (applied.containsKey(k) && !applied.get(k).equals(v)) {
        out.add(k);
      }
    });
    return out;
  }

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
   * @param until for a WARM server, when its keep-old time ends (epoch millis); else 0
   */
  public record SavedServer(int slot, String version, int port, long pid, long started, long startTicks,
      String role, String id, long until) {}

  /** The layout this Nonstop writes and reads; raise it when a field changes meaning. */
  public static final int FORMAT = 2;

  public StateDoc {
    servers = servers == null ? List.of() : List.copyOf(servers);
    history = history == null ? List.of() : List.copyOf(history);
    applied = applied == null ? null : Map.copyOf(applied);
  }

  /** The same document with other servers. */
  StateDoc withServers(List<SavedServer> next) {
    return new StateDoc(FORMAT, app, live, previous, maintenance, next, history, applied);
  }

  /** The same document with another live and previous release. */
  StateDoc withLive(String nextLive, String nextPrevious) {
    return new StateDoc(FORMAT, app, nextLive, nextPrevious, maintenance, servers, history, applied);
  }

  /** The same document with the settings the servers run with. */
  StateDoc withApplied(Map<String, String> next) {
    return new StateDoc(FORMAT, app, live, previous, maintenance, servers, history, next);
  }

  /** The same document with the maintenance page's message (null: off). */
  StateDoc withMaintenance(String message) {
    return new StateDoc(FORMAT, app, live, previous, message, servers, history, applied);
  }

  /** The same document with {@code report} at the end of the history. */
  StateDoc withReport(Report report) {
    List<Report> next = new ArrayList<>(history);
    next.add(report);
    return new StateDoc(FORMAT, app, live, previous, maintenance, servers, next, applied);
  }

  static StateDoc empty(String app) {
    return new StateDoc(FORMAT, app, null, null, null, List.of(), List.of(), null);
  }

  int nextId() {
    return history.isEmpty() ? 1 : history.get(history.size() - 1).id() + 1;
  }
}
