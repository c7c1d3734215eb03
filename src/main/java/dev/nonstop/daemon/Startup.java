package dev.nonstop.daemon;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.pool.Pool;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.ProxyOptions;
import dev.nonstop.proxy.Routes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The process-wide steps of a daemon's start: its ports checked before any server is touched, the
 * proxy on {@code listen}, TLS, and binds that a takeover retries while the old daemon frees them.
 * Stateless.
 */
final class Startup {
  private Startup() {}

  /** Fails before any server starts when another process holds a port this daemon needs. */
  static void refuseTakenPorts(Config config, boolean inheritedListen, boolean takeover) throws DeployException {
    if (!inheritedListen) {
      refuseTaken(config.listen(), "listen", "the proxy's port, where clients connect");
    }
    if (takeover) {
      return; // the old daemon holds the others until it exits
    }
    refuseTaken(config.admin(), "admin", "the admin API's port");
    for (AppConfig app : config.apps()) {
      if (app.preview() != null) {
        refuseTaken(app.preview(), config.routed() ? "apps." + app.app() + ".preview" : "preview",
            "where a blue-green --preview group answers");
      }
    }
    if (config.tls() != null && config.tls().redirectHttp() != null) {
      refuseTaken(config.tls().redirectHttp(), "tls.redirect-http", "the plain-HTTP port that redirects to HTTPS");
    }
  }

  private static void refuseTaken(InetSocketAddress address, String key, String what) throws DeployException {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(address);
    } catch (java.io.IOException e) {
      throw new DeployException(taken(address, key, what, e));
    }
  }

  static String taken(InetSocketAddress address, String key, String what, Exception e) {
    return key + ": " + address.getHostString() + ":" + address.getPort() + " is taken (" + e.getMessage() + "); it is "
        + what + ": stop what holds it or choose another port";
  }

  static TlsSetup tls(Config config) throws DeployException {
    try {
      return TlsSetup.of(config.first());
    } catch (IllegalArgumentException e) {
      throw new DeployException(config.file().getFileName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The proxy on listen, routing by {@code routing} from its first connection on; a port taken
   * since the check is still one line, not Netty's trace.
   */
  static Proxy proxy(Config config, TlsSetup tls, int inheritedFd, Pool pool, Function<Proxy, Routes> routing)
      throws DeployException {
    AppConfig first = config.first();
    ProxyOptions options = ProxyOptions.defaults(config.listen()).withLimits(first.limits())
        .withTunnelIdleTimeout(first.streams().idleTimeout())
        .withFront(tls.front());
    if (inheritedFd >= 0) {
      options = options.withInheritedFd(inheritedFd);
    }
    try {
      return Proxy.start(options, pool, routing);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
      throw new DeployException(taken(config.listen(), "listen", "the proxy's port, where clients connect", e), e);
    }
  }

  /** A takeover keeps the socket it was given: a {@code listen} edited since cannot apply. */
  static void refuseMovedListen(Config config, InetSocketAddress serving) throws DeployException {
    InetSocketAddress wanted = config.listen();
    boolean same = serving.getPort() == wanted.getPort()
        && (wanted.getAddress() == null || wanted.getAddress().equals(serving.getAddress()));
    if (!same) {
      throw new DeployException("listen: " + wanted.getHostString() + ":" + wanted.getPort()
          + " in " + config.file().getFileName() + ", but the running daemon listens on "
          + serving.getHostString() + ":" + serving.getPort() + ", and a takeover keeps that socket: "
          + "to move, stop 'nonstop up' and start it again");
    }
  }

  /** The redirect listener, then ACME. */
  static void startTls(Config config, TlsSetup tls, Proxy proxy, boolean retry)
      throws DeployException, InterruptedException {
    if (config.tls() != null && config.tls().redirectHttp() != null) {
      bound(retry, () -> tls.listen(proxy), e -> taken(config.tls().redirectHttp(),
          "tls.redirect-http", "the plain-HTTP port that redirects to HTTPS", e));
    }
    try {
      tls.startAcme(config.state());
    } catch (IllegalArgumentException e) {
      throw new DeployException("tls.acme: " + e.getMessage(), e);
    }
  }

  /** Each certificate's expiry by its names (comma-separated), for the metrics. */
  static Map<String, Instant> expiries(TlsSetup tls) {
    Map<String, Instant> m = new LinkedHashMap<>();
    if (tls != null) {
      tls.certificates().forEach(c -> {
        if (c.notAfter() != null) {
          m.put(String.join(",", c.names()), c.notAfter());
        }
      });
    }
    return m;
  }

  /**
   * Binds a port with {@code bind}. After a takeover ({@code retry}) the port frees when the old
   * daemon is gone, so it is tried for up to 10 s; otherwise once, failing with {@code why}.
   */
  static <T> T bound(boolean retry, Callable<T> bind, Function<Exception, String> why)
      throws DeployException, InterruptedException {
    long deadline = System.nanoTime() + (retry ? Duration.ofSeconds(10).toNanos() : 0);
    while (true) {
      try {
        return bind.call();
      } catch (Exception e) { // AdminServer throws IOException, Netty the bind's unchecked
        if (System.nanoTime() > deadline) {
          throw new DeployException(why.apply(e), e);
        }
        Thread.sleep(50);
      }
    }
  }
}
