package dev.nonstop.cli;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import dev.nonstop.config.ConfigException;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.daemon.Daemon;
import dev.nonstop.daemon.Versions;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.pool.Backend;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

// No standard -V/--version here: --version names the release to start.
@Command(name = "up",
    description = "Run the proxy, the admin API and the app's servers in the foreground. Ctrl-C drains and stops everything.")
final class UpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "nonstop.yml",
      description = "The configuration (default: ${DEFAULT-VALUE}).")
  Path file;

  @Option(names = "--version", paramLabel = "V|APP=V",
      description = "The release to start; needed the first time, later the state file's live release is used. "
          + "With several apps: V for each app without a live release, or APP=V (repeat it) for one.")
  java.util.List<String> versions = new java.util.ArrayList<>();

  @Option(names = "--takeover",
      description = "Take over from the nonstop up running on this state folder: its listening socket and servers, "
          + "with no refused connection and no restarted server; it drains and exits. Runs a new Nonstop build or "
          + "an edited nonstop.yml (server settings apply at the next deploy).")
  boolean takeover;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "Logs on stderr as text lines or one JSON object a line (default: text, or $NONSTOP_LOG_FORMAT).")
  LogFormat logFormat;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (logFormat != null) {
      logFormat.apply();
    }
    Config config;
    Versions start;
    try {
      config = ConfigLoader.loadAll(file.toAbsolutePath());
      start = Versions.parse(versions);
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    String names = String.join(", ", config.names());
    Daemon daemon;
    try {
      // the steps are logged (stderr, text or JSON): printing them on stdout too showed each twice
      daemon = Daemon.start(config, start, e -> { }, Daemon.Launch.fromEnvironment(takeover));
    } catch (DeployException e) {
      err.println("nonstop: could not start " + names + ": " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
      err.println("nonstop: could not start " + names + ": " + e.getMessage());
      return 1;
    }
    daemon.reloadOnHangUp();
    CountDownLatch stopped = new CountDownLatch(1);
    daemon.left().thenAccept(pid -> {
      out.println("nonstop: pid " + pid + " took over: exiting; the servers keep running");
      out.flush();
      stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!daemon.left().isDone()) { // after a takeover there is nothing left to stop
        out.println("nonstop: stopping: draining in-flight requests, then stopping the servers");
        out.flush();
      }
      daemon.close();
      stopped.countDown();
    }, "shutdown"));
    String listen = Backend.text(daemon.listenAddress());
    String admin = Backend.text(daemon.adminAddress());
    String scheme = config.tls() != null ? "https://" : "http://";
    for (AppConfig app : config.apps()) {
      out.println("nonstop: " + app.app() + " is live on " + scheme + listen + where(app) + " with " + app.instances()
          + " servers");
    }
    // never the token itself: stdout ends up in service logs
    out.println("nonstop: admin API on http://" + admin + "/ (token in " + config.state().resolve("admin.token") + ")");
    out.println("nonstop: 'nonstop dashboard -f " + config.file() + "' prints the dashboard's link, signed in");
    out.println("nonstop: Ctrl-C drains and stops everything");
    out.flush();
    stopped.await();
    return 0;
  }

  /** Which requests an app answers, as a URL's tail: {@code /}, or its hosts and path. */
  private static String where(AppConfig app) {
    dev.nonstop.config.Routing r = app.routing();
    if (r.equals(dev.nonstop.config.Routing.ALL)) {
      return "/";
    }
    String hosts = r.hosts().isEmpty() ? "" : " for " + String.join(", ", r.hosts());
    return r.path() + (r.path().endsWith("/") ? "" : "/") + hosts + (r.fallback() ? " (and every other host)" : "");
  }
}
