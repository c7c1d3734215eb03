package dev.nonstop.admin;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API over HTTP/1.1. Every route is one line of {@link #routes}; paths under
 * {@code /api/} need {@code Authorization: Bearer <token>}.
 *
 * <p>The JDK server reads a request's line and headers on the thread that then runs its handler,
 * so a client sending its headers a byte at a time holds a thread, token or not (slowloris). Hence
 * two bounds: a request must arrive whole within {@value #MAX_REQUEST_SECONDS} s and its headers
 * within {@value #MAX_HEADER_BYTES} bytes (the JDK closes the connection otherwise), and the pool
 * grows from {@value #CORE_THREADS} to {@value #MAX_THREADS} daemon threads rather than queue, so
 * a few dozen slow clients cannot starve the others; past that a new exchange's connection is
 * closed at once. A progress stream holds its thread until the deployment's final event (or until
 * its client goes away); responses have no time limit, or streams would be cut.
 *
 * <p>The JDK reads these limits once, when its first HTTP server in the process loads; in
 * {@code nonstop up} that is this one. Values set on the command line ({@code -D}) win.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int CORE_THREADS = 16;
  private static final int MAX_THREADS = 128;
  private static final int MAX_REQUEST_SECONDS = 10;
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  static {
    limit("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
    limit("sun.net.httpserver.maxReqHeaderSize", MAX_HEADER_BYTES);
    limit("sun.net.httpserver.maxReqHeaders", 100);
  }

  private static void limit(String property, int value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, Integer.toString(value));
    }
  }

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
    // no queue: an exchange gets a thread at once or (past MAX_THREADS) its connection is closed
    ThreadPoolExecutor pool = new ThreadPoolExecutor(CORE_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
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
