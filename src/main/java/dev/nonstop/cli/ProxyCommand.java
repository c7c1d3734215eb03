package dev.nonstop.cli;

import dev.nonstop.config.Durations;
import dev.nonstop.config.Sizes;
import dev.nonstop.health.HealthCheck;
import dev.nonstop.health.HealthChecker;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import dev.nonstop.proxy.Limits;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.Certificates;
import dev.nonstop.proxy.FrontDoor;
import dev.nonstop.proxy.ProxyOptions;
import dev.nonstop.proxy.TransportKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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

  @Option(names = "--io-threads", defaultValue = "0", paramLabel = "N", description = "Event loops; 0 = one per core (default).")
  int ioThreads;

  @Option(names = "--transport", defaultValue = "auto", paramLabel = "NAME", description = "Event-loop I/O: auto (default: io_uring, else epoll, else nio), io_uring, epoll or nio.")
  String transport;

  @Option(names = "--max-connections", defaultValue = "0", paramLabel = "N", description = "Client connections open at once; past it new ones wait in the listen backlog. 0 = derived from the file descriptor limit (default), keeping room for backend connections.")
  int maxConnections;

  // Sizes and durations are read as nonstop.yml reads them; absent, Limits.DEFAULT's value stays.
  @Option(names = "--max-body", paramLabel = "SIZE", description = "Largest request body; a larger one gets 413. Bytes, or with KiB, MiB or GiB; 0 = no limit (default: 100MiB).")
  String maxBody;

  @Option(names = "--send-timeout", paramLabel = "DURATION", description = "A client that takes none of its response for this long is reset, its backend connection released (default: 60s).")
  String sendTimeout;

  @Option(names = "--min-body-rate", paramLabel = "SIZE", description = "Bytes per second a client must send of a request body, judged over each --body-rate-window; slower gets 408 (default: 1KiB).")
  String minBodyRate;

  @Option(names = "--body-rate-window", paramLabel = "DURATION", description = "The span a request body's rate is judged over (default: 10s).")
  String bodyRateWindow;

  @Option(names = "--max-buffer-memory", paramLabel = "SIZE", description = "Buffer memory past which new requests get 503 while the ones under way finish. 0 = three quarters of the JVM's direct memory (default).")
  String maxBufferMemory;

  @Option(names = "--no-health-check", description = "Do not probe the backends.")
  boolean noHealthCheck;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve TLS with this PEM certificate chain; repeat with --tls-key for more certificates, chosen by the name the client asks for (SNI); the first is the default. Files are reloaded when they change.")
  List<Path> tlsCerts = new ArrayList<>();

  @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM private key of the --tls-cert in the same position.")
  List<Path> tlsKeys = new ArrayList<>();

  @Option(names = "--no-http2", description = "With TLS, offer only HTTP/1.1 (ALPN); HTTP/2 is offered by default.")
  boolean noHttp2;

  @Option(names = "--h2c", description = "Without TLS, also speak HTTP/2 to clients that open with its preface (prior knowledge), as a TLS-ending load balancer in front does.")
  boolean h2c;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    ProxyOptions options;
    Pool pool;
    HealthCheck check;
    try {
      options = ProxyOptions.defaults(Backend.parseAddress(listen)).withIoThreads(ioThreads)
          .withTransport(TransportKind.parse(transport))
          .withLimits(limits())
          .withFront(frontDoor());
      Selector selector = Selector.named(balance);
      check = HealthCheck.DEFAULT.withPath(healthPath);
      List<Backend> list = new ArrayList<>();
      for (String b : backends) {
        list.add(new Backend(Backend.parseAddress(b), "static", Health.UP));
      }
      pool = Pool.of(selector, list);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    if (noHealthCheck) {
      // Nothing would bring an ejected backend back: live-traffic ejection is off too.
      options = options.withEjectAfter(0);
    }
    HealthChecker checker = noHealthCheck ? null : new HealthChecker(check);
    Proxy proxy;
    try {
      proxy = Proxy.start(options, pool);
    } catch (RuntimeException e) {
      if (checker != null) {
        checker.close();
      }
      if (e instanceof IllegalArgumentException) { // a transport this machine lacks
        throw new ParameterException(spec.commandLine(), e.getMessage(), e);
      }
      throw e;
    }
    if (checker != null) {
      pool.backends().forEach(checker::watch);
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

  /** TLS and HTTP/2 as the flags ask; the exception names the flag and what was expected. */
  private FrontDoor frontDoor() {
    if (tlsCerts.size() != tlsKeys.size()) {
      throw new IllegalArgumentException("--tls-cert given " + tlsCerts.size() + " times, --tls-key "
          + tlsKeys.size() + " times (expected: one --tls-key for each --tls-cert, in the same order)");
    }
    if (tlsCerts.isEmpty()) {
      if (noHttp2) {
        throw new IllegalArgumentException("--no-http2 without --tls-cert (expected: HTTP/2 is "
            + "offered only with TLS, or as --h2c)");
      }
      return new FrontDoor(null, h2c);
    }
    if (h2c) {
      throw new IllegalArgumentException("--h2c with --tls-cert (expected: one of them; with TLS, "
          + "HTTP/2 is agreed by ALPN)");
    }
    List<Certificates.Source> sources = new ArrayList<>();
    for (int i = 0; i < tlsCerts.size(); i++) {
      sources.add(new Certificates.Source(tlsCerts.get(i), tlsKeys.get(i)));
    }
    return new FrontDoor(Certificates.load(sources, !noHttp2), false);
  }

  /** The limits the flags ask for; the exception names the flag and what was expected. */
  private Limits limits() {
    if (maxConnections < 0) {
      throw new IllegalArgumentException("--max-connections: " + maxConnections
          + " (expected: >= 0; 0 = derived from the file descriptor limit)");
    }
    Limits l = Limits.DEFAULT.withMaxConnections(maxConnections);
    if (maxBody != null) {
      l = l.withMaxBody(flag("--max-body", maxBody, Sizes::parse));
    }
    if (sendTimeout != null) {
      l = l.withSendTimeout(flag("--send-timeout", sendTimeout, Durations::parsePositive));
    }
    if (minBodyRate != null) {
      l = l.withMinBodyRate(flag("--min-body-rate", minBodyRate, Sizes::parseInt));
    }
    if (bodyRateWindow != null) {
      l = l.withBodyRateWindow(flag("--body-rate-window", bodyRateWindow, Durations::parsePositive));
    }
    if (maxBufferMemory != null) {
      l = l.withMaxBufferMemory(flag("--max-buffer-memory", maxBufferMemory, Sizes::parse));
    }
    return l;
  }

  /** {@code parse}'s exception message says what was expected. */
  private static <T> T flag(String name, String value, Function<String, T> parse) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: " + e.getMessage() + ")", e);
    }
  }
}
