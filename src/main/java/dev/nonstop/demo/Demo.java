package dev.nonstop.demo;

import dev.nonstop.deploy.Progress;
import dev.nonstop.admin.Control;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.daemon.Daemon;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Report;
import dev.nonstop.instance.Ports;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The story Nonstop exists for, played on this machine: four servers of 1.0.1 behind the load
 * balancer with steady traffic, an in-place deploy of 1.0.2 two at a time, a blue-green deploy of
 * 1.0.3, a rollback to 1.0.2, and the count of requests that failed through all of it.
 */
public final class Demo {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /**
   * @param startupDelay how long each sample server takes to start (the seed's "30 s to start")
   * @param threads client threads of the steady load
   * @param rate requests per second per thread
   */
  public record Options(Duration startupDelay, int threads, int rate, Path dir) {}

  private final PrintWriter out;
  private final Options options;
  private final List<String[]> rows = new ArrayList<>();

  public Demo(PrintWriter out, Options options) {
    this.out = out;
    this.options = options;
  }

  /** Plays the story; returns 0 when every step worked and no request failed. */
  public int run() throws IOException, InterruptedException {
    Path dir = options.dir() != null ? options.dir() : Files.createTempDirectory("nonstop-demo");
    Files.createDirectories(dir);
    Path file = writeConfig(dir);
    AppConfig config = ConfigLoader.load(file);
    say("the app: 4 servers of a small sample server, each taking " + options.startupDelay().toMillis()
        + " ms to start; config in " + file);
    Daemon daemon;
    try {
      daemon = Daemon.start(config, "1.0.1", this::event);
    } catch (DeployException e) {
      say("could not start the first release: " + e.getMessage());
      return 1;
    }
    boolean allDone = true;
    Load.Snapshot total;
    try (Load load = Load.start(daemon.listenAddress(), "/", options.threads(), options.rate());
        Ticker ticker = new Ticker(load)) {
      say("steady traffic: " + options.threads() + " clients, " + options.threads() * options.rate()
          + " requests/s at most, to http://" + daemon.listenAddress().getHostString() + ":"
          + daemon.listenAddress().getPort() + "/");
      ticker.start();
      allDone &= step(daemon, load, "in-place 1.0.1 -> 1.0.2, 2 at a time",
          () -> daemon.deploy(new DeployRequest("1.0.2", "in-place", "2", 0, false)));
      hold(3);
      allDone &= step(daemon, load, "blue-green 1.0.2 -> 1.0.3",
          () -> daemon.deploy(new DeployRequest("1.0.3", "blue-green", null, null, false)));
      hold(3);
      allDone &= step(daemon, load, "rollback 1.0.3 -> 1.0.2", daemon::rollback);
      hold(2);
      load.close();
      total = load.snapshot();
    } finally {
      say("stopping: draining and stopping the servers");
      daemon.close();
    }
    summary(total);
    say("logs of every server are in " + config.state().resolve("logs"));
    return allDone && total.failed() == 0 ? 0 : 1;
  }

  private boolean step(Daemon daemon, Load load, String title, Supplier<Progress> action) throws InterruptedException {
    say("=== " + title);
    Load.Snapshot before = load.snapshot();
    Progress progress = action.get();
    progress.subscribe(this::event);
    Event last = progress.done().join();
    Load.Snapshot after = load.snapshot();
    List<Report> reports = daemon.reports();
    Report r = reports.isEmpty() ? null : reports.get(reports.size() - 1);
    rows.add(new String[] {title, last.type(), (r == null ? "-" : r.durationMs() + " ms"),
        Long.toString(after.sent() - before.sent()), Long.toString(after.failed() - before.failed()),
        r == null || r.switchMicros() == null ? "-" : String.format("%.1f us", r.switchMicros())});
    return last.type().equals("done");
  }

  /** Lets the traffic run on the new release for a moment, so the ticker shows who answers. */
  private void hold(int seconds) throws InterruptedException {
    Thread.sleep(seconds * 1000L);
  }

  private void event(Event e) {
    synchronized (out) {
      String step = e.step() > 0 ? "[" + e.step() + "] " : "";
      out.println(TIME.format(LocalTime.now()) + "  " + step + e.message().replace("\n", "\n          "));
      out.flush();
    }
  }

  private void say(String line) {
    synchronized (out) {
      out.println(TIME.format(LocalTime.now()) + "  " + line);
      out.flush();
    }
  }

  private void summary(Load.Snapshot total) {
    synchronized (out) {
      out.println();
      out.printf("%-40s %-7s %10s %9s %7s %10s%n", "step", "result", "duration", "requests", "failed", "switch");
      for (String[] r : rows) {
        out.printf("%-40s %-7s %10s %9s %7s %10s%n", (Object[]) r);
      }
      out.printf("%nrequests sent: %d, failed: %d, answered by version: %s%n", total.sent(), total.failed(), total.versions());
      for (String f : total.failures()) {
        out.println("  failed: " + f);
      }
      out.flush();
    }
  }

  private Path writeConfig(Path dir) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String jar;
    try {
      jar = Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IOException("cannot find the nonstop jar", e);
    }
    String yaml = "app: hello\n"
        + "listen: 127.0.0.1:" + Ports.free() + "\n"
        + "admin: 127.0.0.1:" + Ports.free() + "\n"
        + "instances: 4\n"
        + "run: \"'" + java + "' -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '" + jar
        + "' dev.nonstop.sample.SampleServer --version {version} --port {port} --startup-delay "
        + options.startupDelay().toMillis() + "ms\"\n"
        + "health: { path: /health, interval: 250ms, timeout: 1s, rise: 2, fall: 3, deadline: 60s }\n"
        + "drain: 10s\n"
        + "stop: { signal: TERM, timeout: 10s }\n"
        + "strategy: in-place\n"
        + "batch: 2\n"
        + "keep-old: 10m\n"
        + "bake: 5s\n"
        + "state: state\n";
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return file;
  }

  /** Prints the traffic once a second: rate, failures, which versions answered. */
  private final class Ticker implements AutoCloseable {
    private final Load load;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-ticker");
      t.setDaemon(true);
      return t;
    });
    private Load.Snapshot last;

    Ticker(Load load) {
      this.load = load;
      this.last = load.snapshot();
    }

    void start() {
      timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void tick() {
      Load.Snapshot now = load.snapshot();
      Map<String, Long> versions = new HashMap<>();
      now.versions().forEach((v, n) -> {
        long d = n - last.versions().getOrDefault(v, 0L);
        if (d > 0) {
          versions.put(v, d);
        }
      });
      say(String.format("traffic: %d req/s, %d failed so far, answered by %s", now.sent() - last.sent(),
          now.failed(), versions.isEmpty() ? "-" : new java.util.TreeMap<>(versions)));
      last = now;
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
