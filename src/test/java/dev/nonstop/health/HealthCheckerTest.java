package dev.nonstop.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
  private static final Duration INTERVAL = Duration.ofMillis(50);
  private static final HealthCheck CHECK = new HealthCheck("/health", INTERVAL, Duration.ofMillis(500), 2, 3);

  private FakeBackendServer server;
  private HealthChecker checker;

  @BeforeEach
  void start() throws Exception {
    server = new FakeBackendServer();
    checker = new HealthChecker(CHECK);
  }

  @AfterEach
  void stop() {
    checker.close();
    server.close();
  }

  private static CompletableFuture<Void> whenDown(Backend backend) {
    CompletableFuture<Void> down = new CompletableFuture<>();
    Backend.Listener listener = b -> {
      if (b.health() == Health.DOWN) {
        down.complete(null);
      }
    };
    backend.addListener(listener);
    listener.changed(backend);
    down.whenComplete((v, e) -> backend.removeListener(listener));
    return down;
  }

  @Test
  void newBackendGoesUpAfterRisePasses() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.DOWN);

    checker.watch(backend);

    backend.whenUp().get(5, TimeUnit.SECONDS);
    assertThat(server.hits()).isGreaterThanOrEqualTo(CHECK.rise());
  }

  @Test
  void aBackendEjectedByLiveTrafficAgainAndAgainNeedsTwiceTheChecksEachTimeToComeBack() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.UP);
    checker.watch(backend);
    int[] probes = new int[4];

    for (int i = 0; i < probes.length; i++) {
      backend.recordFailure(/* ejectAfter= */ 1);
      assertThat(backend.health()).isEqualTo(Health.DOWN);
      int before = server.hits();
      backend.whenUp().get(10, TimeUnit.SECONDS);
      probes[i] = server.hits() - before;
    }

    // 2, 4, 8, 16 passes; one of them may be a probe that reached the server before the ejection
    assertThat(probes[0]).isGreaterThanOrEqualTo(1);
    assertThat(probes[1]).isGreaterThanOrEqualTo(3);
    assertThat(probes[2]).isGreaterThanOrEqualTo(7);
    assertThat(probes[3]).isGreaterThanOrEqualTo(15);
    assertThat(backend.ejections()).isEqualTo(4);
  }

  @Test
  void firstProbeRunsRightAwayOnWatch() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.DOWN);
    try (HealthChecker slow = new HealthChecker(new HealthCheck("/", Duration.ofHours(1), Duration.ofSeconds(1), 1, 1))) {
      slow.watch(backend);

      backend.whenUp().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void backendGoesDownAfterFallFailures() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.UP);
    checker.watch(backend);
    await().atMost(Duration.ofSeconds(5)).until(() -> server.hits() >= 1);
    assertThat(backend.health()).isEqualTo(Health.UP);

    server.answer(500);

    whenDown(backend).get(5, TimeUnit.SECONDS);
  }

  @Test
  void backendGoesDownWhenItsPortCloses() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.DOWN);
    checker.watch(backend);
    backend.whenUp().get(5, TimeUnit.SECONDS);

    server.close();

    whenDown(backend).get(5, TimeUnit.SECONDS);
  }

  @Test
  void backendThatStopsAnsweringGoesDownOnTimeout() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.UP);
    server.hang();

    try (HealthChecker quick = new HealthChecker(new HealthCheck("/", INTERVAL, Duration.ofMillis(100), 1, 1))) {
      quick.watch(backend);

      whenDown(backend).get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void backendComesBackUpAfterItRecovers() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.UP);
    server.answer(503);
    checker.watch(backend);
    whenDown(backend).get(5, TimeUnit.SECONDS);

    server.answer(204);

    backend.whenUp().get(5, TimeUnit.SECONDS);
  }

  @Test
  void unwatchStopsProbingAndKeepsTheHealth() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.DOWN);
    checker.watch(backend);
    backend.whenUp().get(5, TimeUnit.SECONDS);

    checker.unwatch(backend);
    server.answer(500);

    assertThat(checker.isWatching(backend)).isFalse();
    int hits = server.hits();
    // a probe under way may still land; a running schedule would add several in this window
    await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> server.hits() <= hits + 1);
    assertThat(backend.health()).isEqualTo(Health.UP);
  }

  @Test
  void watchingTwiceProbesOnce() throws Exception {
    Backend backend = new Backend(server.address(), "v1", Health.DOWN);
    try (HealthChecker slow = new HealthChecker(new HealthCheck("/", Duration.ofHours(1), Duration.ofSeconds(1), 1, 1))) {
      slow.watch(backend);
      slow.watch(backend);
      backend.whenUp().get(5, TimeUnit.SECONDS);

      await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> server.hits() == 1);
    }
  }

  @Test
  void closedCheckerRefusesNewWatches() {
    checker.close();

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> checker.watch(new Backend(server.address(), "v1", Health.DOWN)))
        .isInstanceOf(IllegalStateException.class);
  }
}
