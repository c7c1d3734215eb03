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
    List<String> pending,
    List<CertView> certificates,
    String routes) {

  /** A status of one app that answers every request (no {@code apps:}). */
  public StatusView(String app, String live, String previous, boolean maintenance, String maintenanceMessage,
      Deploying deploying, String listen, String preview, List<GroupView> groups, List<String> pending,
      List<CertView> certificates) {
    this(app, live, previous, maintenance, maintenanceMessage, deploying, listen, preview, groups, pending,
        certificates, null);
  }

  /**
   * A TLS certificate served: its names, expiry, where it comes from (a file, or acme), and the
   * last error of its ACME orders, if any.
   */
  public record CertView(List<String> names, String notAfter, Long daysLeft, String source,
      String error) {}

  /** The deployment under way. */
  public record Deploying(int id, String kind, String from, String to, String strategy, int step, int steps) {}

  /**
   * @param role live, canary (taking a share of the clients), old (kept warm for rollback), preview,
   *     starting (started by a deployment, not attached yet) or draining (detached, until it stops)
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
   * @param rate requests a second it answered over the last second
   */
  public record ServerView(String name, int slot, long pid, String health, String admin, int inFlight, int streams,
      long requests, int restarts, long ejections, double rate) {
    public ServerView(String name, int slot, long pid, String health, String admin, int inFlight, int streams,
        long requests, int restarts, long ejections) {
      this(name, slot, pid, health, admin, inFlight, streams, requests, restarts, ejections, 0);
    }
  }

  /**
   * @param pending settings of nonstop.yml (run, env, instances...) the running servers do not
   *     have yet: they apply at the next deploy
   */
  static StatusView of(AppConfig config, StateDoc doc, Fleet fleet, Deployment current, InetSocketAddress listen,
      List<String> pending, java.util.function.ToDoubleFunction<Backend> rate,
      List<TlsSetup.Cert> certs) {
    Deploying deploying = null;
    if (current != null && !current.done().isDone()) {
      deploying = new Deploying(current.id(), current.kind(), current.from() == null ? null : current.from().version(),
          current.to().version(), current.strategy().word(), current.currentStep(), current.plan().steps().size());
    }
    List<GroupView> groups = new ArrayList<>();
    Map<String, List<ServerView>> live = new LinkedHashMap<>();
    for (Server s : fleet.live()) {
      live.computeIfAbsent(s.release().version(), k -> new ArrayList<>()).add(view(s, rate));
    }
    Fleet.Group canary = fleet.canary();
    int percent = fleet.canaryPercent();
    Integer liveWeight = canary == null ? null : 100 - percent;
    live.forEach((release, servers) -> groups.add(new GroupView(release, "live", null, servers, liveWeight)));
    if (canary != null) {
      groups.add(new GroupView(canary.release().version(), "canary", null,
          canary.servers().stream().map(v -> view(v, rate)).toList(), percent));
    }
    Fleet.Group warm = fleet.warm();
    if (warm != null) {
      groups.add(new GroupView(warm.release().version(), "old", String.valueOf(warm.until()),
          warm.servers().stream().map(v -> view(v, rate)).toList()));
    }
    Fleet.Group preview = fleet.preview();
    InetSocketAddress previewAt = fleet.previewAddress();
    if (preview != null) {
      groups.add(new GroupView(preview.release().version(), "preview", null,
          preview.servers().stream().map(v -> view(v, rate)).toList()));
    }
    groups.addAll(others(fleet, groups, rate));
    return new StatusView(config.app(), doc.live(), doc.previous(), doc.maintenance() != null, doc.maintenance(),
        deploying, Backend.text(listen), previewAt == null ? null : Backend.text(previewAt), groups, pending,
        certs.stream().map(StatusView::view).toList(), routes(config.routing()));
  }

  /** Which requests the app answers, in a few words; null for the one app of a file without apps:. */
  private static String routes(dev.nonstop.config.Routing r) {
    if (r.equals(dev.nonstop.config.Routing.ALL)) {
      return null;
    }
    List<String> parts = new ArrayList<>(r.hosts());
    if (r.fallback()) {
      parts.add("any other host");
    }
    return String.join(", ", parts) + (r.path().equals("/") ? "" : ", under " + r.path()
        + (r.stripPath() ? " (stripped)" : ""));
  }

  private static CertView view(TlsSetup.Cert c) {
    java.time.Instant now = java.time.Instant.now();
    return new CertView(c.names(), c.notAfter() == null ? null : c.notAfter().toString(),
        c.notAfter() == null ? null : java.time.Duration.between(now, c.notAfter()).toDays(),
        c.source(), c.error());
  }

  /**
   * The servers of no group: started by a deployment and not attached yet, or detached and
   * draining until they stop, so that a server is on the picture from its start to its stop.
   */
  private static List<GroupView> others(Fleet fleet, List<GroupView> groups,
      java.util.function.ToDoubleFunction<Backend> rate) {
    java.util.Set<String> shown = new java.util.HashSet<>();
    groups.forEach(g -> g.servers().forEach(v -> shown.add(v.name())));
    Map<String, List<ServerView>> byRole = new LinkedHashMap<>();
    for (Server s : fleet.all()) {
      if (shown.contains(s.backend().name())) {
        continue;
      }
      String role = s.backend().adminState() == dev.nonstop.pool.AdminState.DRAINING ? "draining" : "starting";
      byRole.computeIfAbsent(s.release().version() + "\n" + role, k -> new ArrayList<>()).add(view(s, rate));
    }
    List<GroupView> out = new ArrayList<>();
    byRole.forEach((key, servers) -> out.add(new GroupView(key.substring(0, key.indexOf('\n')),
        key.substring(key.indexOf('\n') + 1), null, servers)));
    return out;
  }

  private static ServerView view(Server s, java.util.function.ToDoubleFunction<Backend> rate) {
    Backend b = s.backend();
    long requests = 0;
    for (int c = 1; c <= 5; c++) {
      requests += b.responses(c);
    }
    return new ServerView(b.name(), s.slot(), s.instance().pid(), b.health().name(), b.adminState().name(),
        b.inFlight(), b.streams(), requests, s.restarts(), b.ejections(), Math.round(rate.applyAsDouble(b) * 10) / 10.0);
  }
}
