package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Verdict;
import dev.nonstop.pool.Pool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strategy: canary under load from 40 clients, each with its own address: the new release takes
 * the share of clients each step says, each client stays on one release for a step, and a broken
 * release is rolled back at its first step.
 */
class CanaryTest {
  private static final Pattern WEIGHT = Pattern.compile("takes (\\d+)% of the clients now");
  private static final int CLIENTS = 40;

  @TempDir Path dir;
  private Daemon daemon;
  private ClientsLoad load;

  /** An event with the moment it was delivered, on the same clock as the load's answers. */
  private record Seen(long nanos, Event event) {}

  @AfterEach
  void stop() {
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private void up(String extra) throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, "strategy: canary\n" + extra), "1.0.1", e -> { });
    load = ClientsLoad.start(daemon.listenAddress(), CLIENTS, 10);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.count() > 100);
  }

  private List<Seen> follow(Progress p) {
    List<Seen> seen = new CopyOnWriteArrayList<>();
    p.subscribe(e -> seen.add(new Seen(System.nanoTime(), e)));
    return seen;
  }

  private double expectedShare(int percent) {
    return load.keys().stream().filter(k -> Pool.bucket(k) < percent).count() / (double) CLIENTS;
  }

  private Report lastReport() {
    return daemon.reports().get(daemon.reports().size() - 1);
  }

  @Test
  void aGoodReleaseTakesEachStepsShareOfClientsWhoStayPutAndIsPromotedAtTheEnd() throws Exception {
    up("canary: { steps: [5%, 25%, 50%, 100%], hold: 1500ms }\nbake: 1s\n");
    long start = System.nanoTime();

    Progress p = daemon.deploy(new DeployRequest("1.0.2", null, null, null, false));
    List<Seen> seen = follow(p);
    Event end = p.done().get(120, SECONDS);

    assertThat(end.type()).as(end.message()).isEqualTo("done");
    for (int i = 0; i < seen.size(); i++) {
      Matcher m = WEIGHT.matcher(seen.get(i).event().message());
      if (!m.find()) {
        continue;
      }
      int percent = Integer.parseInt(m.group(1));
      long from = seen.get(i).nanos();
      int next = i + 1;
      while (!seen.get(next).event().type().equals("step")) {
        next++;
      }
      List<ClientsLoad.Answer> step = load.between(from, seen.get(next).nanos());
      Map<String, Long> versions = ClientsLoad.byVersion(step);
      double share = versions.getOrDefault("1.0.2", 0L) / (double) step.size();
      System.out.printf(Locale.ROOT, "CANARY weight %d%%: %d requests, %s, 1.0.2 took %.1f%% (%.1f%% of the clients)%n",
          percent, step.size(), versions, 100 * share, 100 * expectedShare(percent));
      assertThat(versions).as("at %d%%", percent).doesNotContainKey("failed");
      assertThat(share).as("1.0.2's share at %d%%", percent).isCloseTo(expectedShare(percent),
          org.assertj.core.data.Offset.offset(0.08));
      assertThat(ClientsLoad.flipped(step)).as("clients that saw both releases at %d%%", percent).isEmpty();
    }
    assertThat(seen).filteredOn(s -> WEIGHT.matcher(s.event().message()).find()).hasSize(4);
    assertThat(ClientsLoad.byVersion(load.between(start, System.nanoTime()))).doesNotContainKey("failed");
    Report r = lastReport();
    assertThat(r.strategy()).isEqualTo("canary");
    assertThat(r.verdict().outcome()).isEqualTo(Verdict.Outcome.PASSED);
    assertThat(daemon.fleet().live()).extracting(s -> s.release().version()).containsOnly("1.0.2");
    assertThat(daemon.fleet().warm().release().version()).isEqualTo("1.0.1");
    assertThat(daemon.fleet().canary()).isNull();
    long after = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.between(after, System.nanoTime()).size() > 100);
    assertThat(ClientsLoad.byVersion(load.between(after, System.nanoTime()))).containsOnlyKeys("1.0.2");
  }

  @Test
  void aReleaseThatFailsItsRequestsIsRolledBackAtTheFirstStep() throws Exception {
    up("canary: { steps: [5%, 25%, 50%], hold: 10s }\nbake: 1s\n");
    long start = System.nanoTime();

    Progress p = daemon.deploy(new DeployRequest("1.0.2-errors", null, null, null, false));
    List<Seen> seen = follow(p);
    Event end = p.done().get(120, SECONDS);

    long stop = System.nanoTime();
    assertThat(end.type()).isEqualTo("failed");
    assertThat(end.message()).contains("verdict: 1.0.2-errors failed: 5xx and proxy errors");
    int firstWeight = seen.stream().filter(s -> s.event().type().equals("step")
        && s.event().message().startsWith("weight 5%")).findFirst().orElseThrow().event().step();
    Event verdict = seen.stream().map(Seen::event).filter(e -> e.type().equals("warn")).findFirst().orElseThrow();
    assertThat(verdict.step()).as("the step the verdict came in").isEqualTo(firstWeight);
    Map<String, Long> during = ClientsLoad.byVersion(load.between(start, stop));
    long total = during.values().stream().mapToLong(Long::longValue).sum();
    long failed = during.getOrDefault("failed", 0L);
    System.out.printf(Locale.ROOT, "CANARY 1.0.2-errors at 5%%: %d requests, %d failed (%.1f%%), undone in %d ms: %s%n",
        total, failed, 100.0 * failed / total, lastReport().undoMs(), verdict.message());
    assertThat(failed).as("failed requests of %d", total).isLessThan(total * 5 / 100);
    assertThat(daemon.fleet().canary()).isNull();
    assertThat(daemon.fleet().live()).extracting(s -> s.release().version()).containsOnly("1.0.1");
    assertThat(daemon.fleet().all()).extracting(s -> s.release().version()).containsOnly("1.0.1");
    long after = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.between(after, System.nanoTime()).size() > 100);
    assertThat(ClientsLoad.byVersion(load.between(after, System.nanoTime()))).containsOnlyKeys("1.0.1");
  }

  @Test
  void statusShowsTheWeightAndPromoteSkipsTheStepsLeft() throws Exception {
    up("canary: { steps: [5%, 50%], hold: 10m }\nbake: 10m\n");
    Progress p = daemon.deploy(new DeployRequest("1.0.2", null, null, null, false));
    await().atMost(Duration.ofSeconds(30)).until(() -> daemon.fleet().canaryPercent() == 5);

    StatusView status = (StatusView) daemon.status();

    assertThat(status.groups()).anySatisfy(g -> {
      assertThat(g.role()).isEqualTo("canary");
      assertThat(g.release()).isEqualTo("1.0.2");
      assertThat(g.weight()).isEqualTo(5);
    });
    assertThat(status.groups()).anySatisfy(g -> {
      assertThat(g.role()).isEqualTo("live");
      assertThat(g.weight()).isEqualTo(95);
    });

    Progress promoted = daemon.promote();
    Event end = promoted.done().get(60, SECONDS);

    assertThat(promoted).isSameAs(p);
    assertThat(end.type()).as(end.message()).isEqualTo("done");
    assertThat(lastReport().verdict().reason()).startsWith("promoted by the operator");
    assertThat(daemon.fleet().live()).extracting(s -> s.release().version()).containsOnly("1.0.2");
    assertThat(((StatusView) daemon.status()).groups()).noneSatisfy(g -> assertThat(g.role()).isEqualTo("canary"));
  }

  @Test
  void abortDuringAStepPutsEveryClientBackOnTheOldRelease() throws Exception {
    up("canary: { steps: [25%], hold: 10m }\n");
    Progress p = daemon.deploy(new DeployRequest("1.0.2", null, null, null, false));
    await().atMost(Duration.ofSeconds(30)).until(() -> daemon.fleet().canaryPercent() == 25);

    daemon.abort();
    Event end = p.done().get(60, SECONDS);

    assertThat(end.type()).isEqualTo("failed");
    assertThat(lastReport().result()).isEqualTo("aborted");
    assertThat(daemon.fleet().live()).extracting(s -> s.release().version()).containsOnly("1.0.1");
    long after = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.between(after, System.nanoTime()).size() > 100);
    assertThat(ClientsLoad.byVersion(load.between(after, System.nanoTime()))).containsOnlyKeys("1.0.1");
  }
}
