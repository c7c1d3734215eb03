package dev.nonstop.cli;

import dev.nonstop.health.HealthCheck;
import dev.nonstop.health.HealthChecker;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.ProxyOptions;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the proxy in the foreground in front of a static pool, until Ctrl-C or SIGTERM. */
@Command(name = "proxy", mixinStandardHelpOptions = true, description = "Run the load balancer alone in front of a static set of backends.")
final class ProxyCommand implements Callable<Integer> {
  @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Where the proxy listens.")
  String listen;

  @Option(names = "--backend", required = true, paramLabel = "HOST:PORT", description = "A backend; repeat for more.")
  List<String> backends;

  @Option(names = "--balance", defaultValue = "least-in-flight", paramLabel = "NAME", description = "round-robin or least-in-flight (default: ${DEFAULT-VALUE}).")
  String balance;

  @Option(names = "--health-path", defaultValue = "/", paramLabel = "PATH", description = "Path of the health check (default: ${DEFAULT-VALUE}).")
  String healthPath;

  @Option(names = "--no-health-check", description = "Do not probe the backends.")
  boolean noHealthCheck;

  @Override
  public Integer call() throws InterruptedException {
    InetSocketAddress address = Backend.parseAddress(listen);
    Selector selector = Selector.named(balance);
    HealthCheck check = HealthCheck.DEFAULT.withPath(healthPath);
    List<Backend> list = new ArrayList<>();
    for (String b : backends) {
      list.add(new Backend(Backend.parseAddress(b), "static", Health.UP));
    }
    Proxy proxy = Proxy.start(ProxyOptions.defaults(address), Pool.of(selector, list));
    HealthChecker checker = noHealthCheck ? null : new HealthChecker(check);
    if (checker != null) {
      list.forEach(checker::watch);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (checker != null) {
        checker.close();
      }
      proxy.close();
    }, "nonstop-shutdown"));
    // Returning would make main call System.exit, which blocks while the hook runs: wait forever
    // and let the JVM end when the hook is done.
    new CountDownLatch(1).await();
    return 0;
  }
}
