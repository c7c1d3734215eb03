package dev.nonstop.sample;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sample server: {@code java -cp nonstop.jar dev.nonstop.sample.SampleServer --version 1.0.2
 * --port 9001}. See {@link SampleOptions} for the flags.
 *
 * <p>On SIGTERM (or INT, HUP) it closes its listener, lets in-flight requests finish for up to
 * {@link #DRAIN}, then exits 0.
 */
public final class SampleServer {
  static final Duration DRAIN = Duration.ofSeconds(10);

  private final SampleOptions options;
  private final InFlight inFlight = new InFlight();
  /** Open event streams: a stop lets each write its goodbye before the connections close. */
  private final InFlight streams = new InFlight();
  /** Counted down when the server stops: its event streams end then, as apps close theirs on TERM. */
  private final java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);
  private final ExecutorService executor;
  private final HttpServer server;

  private SampleServer(SampleOptions options) throws IOException {
    this.options = options;
    // A pool rather than the dispatcher thread, so that slow requests do not hold up others.
    this.executor = new ThreadPoolExecutor(32, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemonThreads());
    this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
    server.createContext("/", new SampleHandler(options, inFlight, streams, stopping));
    server.setExecutor(executor);
  }

  public static void main(String[] args) throws InterruptedException {
    // The JDK server writes headers and body apart; without TCP_NODELAY, Nagle and delayed ACKs
    // add 40 ms to every keep-alive response.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    SampleOptions options;
    try {
      options = SampleOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("sample: " + e.getMessage());
      System.err.println(SampleOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.failStart()) {
      System.err.println("sample: failing at start as asked");
      System.exit(1);
    }
    if (!options.startupDelay().isZero()) {
      System.out.println("sample v" + options.version() + " starting: listening in "
          + options.startupDelay().toMillis() + " ms");
      // Not listening at all while starting, like a server that needs 30 s to warm up.
      Thread.sleep(options.startupDelay().toMillis());
    }
    SampleServer sample;
    try {
      sample = new SampleServer(options);
    } catch (IOException e) {
      System.err.println("sample: cannot listen on " + options.host() + ":" + options.port() + ": " + e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sample::stop, "sample-stop"));
    sample.server.start();
    System.out.println("sample v" + options.version() + " listening on " + options.host() + ":"
        + options.port());
    if (!options.exitAfter().isZero()) {
      Thread.sleep(options.exitAfter().toMillis());
      System.err.println("sample: exiting after " + options.exitAfter().toMillis() + " ms as asked");
      System.err.flush();
      Runtime.getRuntime().halt(1);
    }
  }

  /** Runs in the shutdown hook. */
  private void stop() {
    System.out.println("stopping: " + inFlight.count() + " requests in flight");
    stopping.countDown(); // event streams say goodbye and end
    try {
      // before server.stop(0) below closes their connections under them
      streams.awaitZero(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // stop(delay) closes the listener at once, then waits for exchanges. On JDK 17 it waits the
    // whole delay when none is in flight (JDK-8304065), so we count requests ourselves and end
    // that wait with stop(0) once ours reach zero.
    Thread closer = new Thread(() -> server.stop((int) DRAIN.toSeconds()), "sample-close");
    closer.start();
    boolean drained = false;
    try {
      drained = inFlight.awaitZero(DRAIN);
      server.stop(0);
      closer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    System.out.println(drained ? "stopped" : "stopped: " + inFlight.count() + " requests cut off");
    System.out.flush();
    // A JVM ended by a signal exits 128 + signal; a server that stopped cleanly exits 0.
    Runtime.getRuntime().halt(0);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "sample-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
