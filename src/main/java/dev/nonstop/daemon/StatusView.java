package dev.nonstop.daemon;

import dev.nonstop.config.AppConfig;
import dev.nonstop.deploy.Deployment;
import dev.nonstop.deploy.Fleet;
import dev.nonstop.deploy.Server;
import dev.nonstop.pool.Backend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The answer of {@code GET /api/status}: the live release, the groups and their servers. */
public record StatusView(
    String app,
    String live,
    String previous,
    boolean maintenance,
    String maintenanceMessage,
    Deploying deploying,
    String listen,
    String preview,
    List<GroupView> groups,
    List<String> pending) {

  /** The deployment under way. */
  public record Deploying(int id, String kind, String from, String to, String strategy, int step, int steps) {}

  /**
   * @param role live, canary (taking a share of the clients), old (kept warm for rollback) or preview
   * @param weight the share of the clients it takes, in percent, while a canary splits them; else null
   */
  public record GroupView(String release, String role, String until, List<ServerView> servers, Integer weight) {
    public GroupView(String release, String role, String until, List<ServerView> servers) {
      this(release, role, until, servers, null);
    }
  }

  /**
   * @param streams open WebSockets and event streams: long-lived, not counted in {@code inFlight}
   * @param restarts how often its process died and the fleet started it again
   * @param ejections how often live traffic took it out of the pool (5xx or failures in a row)
   */
  public record ServerView(String name, int slot, long pid, String health, String admin, int inFlight, int streams,
      long requests, int restarts, long ejections) {}

  /**
   * @param pending settings of nonstop.yml (run, env, instances...) the running servers do not
   *     have yet: they apply at the next deploy
   */
  static StatusView of(AppConfig config, StateDoc doc, Fleet fleet, Deployment current, InetSocketAddress listen,
      List<String> pending) {
    Deploying deploying = null;
    if (current != null && !current.done().isDone()) {
      deploying = new Deploying(current.id(), current.kind(), current.from() == null ? null : current.from().version(),
          current.to().version(), current.strategy().word(), current.currentStep(), current.plan().steps().size());
    }
    List<GroupView> groups = new ArrayList<>();
    Map<String, List<ServerView>> live = new LinkedHashMap<>();
    for (Server s : fleet.live()) {
      live.computeIfAbsent(s.release().version(), k -> new ArrayList<>()).add(view(s));
    }
    Fleet.Group canary = fleet.canary();
    int percent = fleet.canaryPercent();
    Integer liveWeight = canary == null ? null : 100 - percent;
    live.forEach((release, servers) -> groups.add(new GroupView(release, "live", null, servers, liveWeight)));
    if (canary != null) {
      groups.add(new GroupView(canary.release().version(), "canary", null,
          canary.servers().stream().map(StatusView::view).toList(), percent));
    }
    Fleet.Group warm = fleet.warm();
    if (warm != null) {
      groups.add(new GroupView(warm.release().version(), "old", String.valueOf(warm.until()),
          warm.servers().stream().map(StatusView::view).toList()));
    }
    Fleet.Group preview = fleet.preview();
    InetSocketAddress previewAt = fleet.previewAddress();
    if (preview != null) {
      groups.add(new GroupView(preview.release().version(), "preview", null,
          preview.servers().stream().map(StatusView::view).toList()));
    }
    return new StatusView(config.app(), doc.live(), doc.previous(), doc.maintenance() != null, doc.maintenance(),
        deploying, address(listen), previewAt == null ? null : address(previewAt), groups, pending);
  }

  private static ServerView view(Server s) {
    Backend b = s.backend();
    long requests = 0;
    for (int c = 1; c <= 5; c++) {
      requests += b.responses(c);
    }
    return new ServerView(b.name(), s.slot(), s.instance().pid(), b.health().name(), b.adminState().name(),
        b.inFlight(), b.streams(), requests, s.restarts(), b.ejections());
  }

  private static String address(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
