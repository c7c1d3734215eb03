package dev.nonstop.dashboard;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.daemon.Daemon;
import dev.nonstop.daemon.Versions;
import dev.nonstop.demo.Load;
import dev.nonstop.deploy.DeployRequest;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core): it follows a
 * blue-green deploy live, then a rollback clicked on the page (leaves target/dashboard.png); with
 * several apps, its selector shows each app's own servers (leaves target/dashboard-apps.png).
 */
class DashboardBrowserTest {
  private static final Path SCRIPT = Path.of("src/test/browser/dashboard.mjs");
  private static final Path APPS_SCRIPT = Path.of("src/test/browser/apps.mjs");
  private static final Path PLAYWRIGHT = Path.of("src/test/browser/node_modules/playwright-core");
  private static final File CHROMIUM = new File("/usr/bin/chromium");

  @TempDir Path dir;
  private Daemon daemon;
  private Load load;
  private Process node;

  @AfterEach
  void stop() {
    if (node != null && node.isAlive()) {
      node.descendants().forEach(ProcessHandle::destroyForcibly);
      node.destroyForcibly();
    }
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(d, command).canExecute()) {
        return true;
      }
    }
    return false;
  }

  private static void assumeBrowser() {
    assumeTrue(CHROMIUM.canExecute(), "no /usr/bin/chromium (scripts/install-test-tools.sh installs it): skipped");
    assumeTrue(onPath("node"), "no node on the PATH (scripts/install-test-tools.sh installs it): skipped");
    assumeTrue(Files.isDirectory(PLAYWRIGHT),
        "no " + PLAYWRIGHT + " (scripts/install-test-tools.sh runs npm ci there): skipped");
  }

  /** Runs a browser script to its end; returns what it printed, after checking it exited 0. */
  private String runScript(String... command) throws Exception {
    node = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "could not read the script's output: " + e;
      }
    });
    boolean ended = node.waitFor(180, SECONDS);
    String out = output.get(10, SECONDS);
    org.slf4j.LoggerFactory.getLogger(DashboardBrowserTest.class).info("the browser script said:\n{}", out);
    assertThat(ended).as("the browser script did not end within 180 s:\n" + out).isTrue();
    assertThat(node.exitValue()).as("the browser script said:\n" + out).isZero();
    return out;
  }

  @Test
  void withSeveralAppsTheSelectorShowsEachAppsOwnServers() throws Exception {
    assumeBrowser();
    daemon = Daemon.start(SlowApp.configApps(dir), Versions.parse(List.of("web=1.0.1", "api=2.0.1")),
        e -> { }, Daemon.Launch.BIND);
    String url = "http://127.0.0.1:" + daemon.adminAddress().getPort() + "/#token=" + daemon.token();
    Files.createDirectories(Path.of("target"));
    String out = runScript("node", APPS_SCRIPT.toString(), url, "target/dashboard-apps.png",
        "web=1.0.1", "api=2.0.1");
    assertThat(out).contains("apps: web api", "app web live: 1.0.1", "app api live: 2.0.1");
    assertThat(Path.of("target/dashboard-apps.png")).isNotEmptyFile();
  }

  @Test
  void followsADeployLiveAndRollsBackFromThePage() throws Exception {
    assumeBrowser();

    daemon = Daemon.start(SlowApp.config(dir), SlowApp.FIRST, e -> { });
    load = Load.start(daemon.listenAddress(), "/", 2, 40);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > 20);
    CompletableFuture<?> deployed = daemon.deploy(new DeployRequest("1.0.2", "blue-green", null, null, false)).done();

    String url = "http://127.0.0.1:" + daemon.adminAddress().getPort() + "/#token=" + daemon.token();
    Files.createDirectories(Path.of("target"));
    String out = runScript("node", SCRIPT.toString(), url, "target/dashboard.png");

    assertThat(out).contains("refuses a wrong one", "saw the deploy running", "live: 1.0.2", "clicked rollback", "live: 1.0.1", "screenshot");
    deployed.get(60, SECONDS);
    assertThat(Path.of("target/dashboard.png")).isNotEmptyFile();
    assertThat(daemon.status()).extracting("live").isEqualTo("1.0.1");
    assertThat(load.snapshot().failed()).as("requests failed during the deploy and rollback").isZero();
  }
}
