package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.deploy.Server;
import dev.nonstop.pool.Health;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that keeps dying outside any deploy: restarted each time, and every restart counted and shown. */
class CrashCountTest {
  @TempDir Path dir;
  private Daemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static void killAndAwaitRestart(Server s) {
    long pid = s.instance().pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await().atMost(Duration.ofSeconds(30)).until(() -> s.instance().pid() != pid && s.backend().health() == Health.UP);
  }

  @Test
  void restartsAreCountedInStatusAndMetrics() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, ""), "1.0.1", e -> { });
    Server victim = daemon.fleet().live().get(0);

    killAndAwaitRestart(victim);
    killAndAwaitRestart(victim);

    StatusView.ServerView seen = ((StatusView) daemon.status()).groups().get(0).servers().stream()
        .filter(v -> v.name().equals(victim.backend().name())).findFirst().orElseThrow();
    assertThat(seen.restarts()).isEqualTo(2);
    assertThat(victim.crashes()).isEqualTo(2);
    assertThat(victim.lastExit()).startsWith("exited with code");
    assertThat(daemon.metrics()).contains("nonstop_server_restarts_total{backend=\"" + victim.backend().name()
        + "\",release=\"1.0.1\"} 2.0");
  }
}
