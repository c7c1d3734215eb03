package dev.nonstop.admin;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API over HTTP/1.1. Every route is one line of {@link #routes}; paths under
 * {@code /api/} need {@code Authorization: Bearer <token>}.
 *
 * <p>Requests run on a pool of {@value #THREADS} daemon threads. A progress stream holds its
 * thread until the deployment's final event (or until its client goes away), so at most that many
 * exchanges run at once and later ones wait their turn.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int THREADS = 16;

  private final HttpServer server;
  private final ThreadPoolExecutor pool;

  private AdminServer(HttpServer server, ThreadPoolExecutor pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Listens on {@code address} (port 0 picks one; see {@link #address()}) and serves at once. */
  public static AdminServer start(InetSocketAddress address, String token, Control control) throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(control, "control");
    Router router = routes(new Router(token), new Api(control));
    views(router, new Observe(control), new EventStream(control, /* maxClients= */ 8));
    HttpServer server = HttpServer.create(address, /* backlog= */ 64);
    ThreadPoolExecutor pool = pool();
    server.setExecutor(pool);
    server.createContext("/", router);
    server.start();
    log.info("admin API listening on {}", server.getAddress());
    return new AdminServer(server, pool);
  }

  private static Router routes(Router router, Api api) {
    return router
        .add("GET", "/api/status", api::status)
        .add("GET", "/api/history", api::history)
        .add("POST", "/api/deploy", api::deploy)
        .add("POST", "/api/rollback", api::rollback)
        .add("POST", "/api/promote", api::promote)
        .add("POST", "/api/abort", api::abort)
        .add("POST", "/api/maintenance", api::maintenance);
  }

  /** The dashboard (static files: no token), /metrics (no token), and the dashboard's data. */
  private static void views(Router router, Observe observe, EventStream events) {
    router
        .add("GET", "/", Assets::page)
        .add("GET", "/dashboard.js", Assets::script)
        .add("GET", "/dashboard.css", Assets::style)
        .add("GET", "/metrics", observe::metrics)
        .add("GET", "/api/series", observe::series)
        .add("GET", "/api/events", events::send);
  }

  private static ThreadPoolExecutor pool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "admin-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The address listened on, with the real port. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops listening and ends open streams; deployments under way go on. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
