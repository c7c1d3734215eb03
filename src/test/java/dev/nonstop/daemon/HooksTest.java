package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands a deploy runs before, after and on its failure, with the versions in their environment. */
class HooksTest {
  @TempDir Path dir;
  private Daemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private List<Event> deploy(String version, String strategy) throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    Progress p = daemon.deploy(new DeployRequest(version, strategy, null, null, false));
    p.subscribe(events::add);
    p.done().get(120, SECONDS);
    return events;
  }

  private static List<String> messages(List<Event> events) {
    return events.stream().map(Event::message).toList();
  }

  @Test
  void aFailingBeforeHookStopsTheDeployWithNothingChanged() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, """
        hooks:
          before: echo "migrating $NONSTOP_FROM to $NONSTOP_TO"; exit 3
          after: touch after-ran
          on-failure: 'echo "$NONSTOP_HOOK $NONSTOP_KIND of $NONSTOP_TO: $NONSTOP_REASON" > failure.txt'
        """), "1.0.1", e -> { });
    List<Server> before = daemon.fleet().all();

    List<Event> events = deploy("1.0.2", "in-place");

    Event end = events.get(events.size() - 1);
    assertThat(end.type()).isEqualTo("failed");
    assertThat(end.message()).contains("hook before failed with exit code 3", "1.0.1 is still live");
    assertThat(messages(events)).contains("hook before | migrating 1.0.1 to 1.0.2");
    assertThat(messages(events)).noneMatch(m -> m.startsWith("started") || m.startsWith("drain"));
    assertThat(daemon.fleet().all()).containsExactlyInAnyOrderElementsOf(before);
    assertThat(before).allSatisfy(s -> assertThat(s.instance().isAlive()).isTrue());
    assertThat(((StatusView) daemon.status()).live()).isEqualTo("1.0.1");
    assertThat(dir.resolve("after-ran")).doesNotExist();
    assertThat(Files.readString(dir.resolve("failure.txt")))
        .isEqualTo("on-failure deploy of 1.0.2: hook before failed with exit code 3 after "
            + Files.readString(dir.resolve("failure.txt")).replaceAll("(?s).*after (\\d+ ms).*", "$1") + "\n");
  }

  @Test
  void hooksRunBeforeTheFirstStepAndAfterTheSwitchWithBothVersions() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, """
        hooks:
          before: 'echo "before $NONSTOP_STRATEGY $NONSTOP_FROM -> $NONSTOP_TO #$NONSTOP_DEPLOY_ID"'
          after: |
            echo "after, live: $NONSTOP_TO"
            echo oops >&2
        """), "1.0.1", e -> { });

    List<Event> events = deploy("1.0.2", "blue-green");

    assertThat(events.get(events.size() - 1).type()).as(events.get(events.size() - 1).message()).isEqualTo("done");
    List<String> said = messages(events);
    int before = said.indexOf("hook before | before blue-green 1.0.1 -> 1.0.2 #1");
    int switched = said.indexOf(said.stream().filter(m -> m.startsWith("switched:")).findFirst().orElseThrow());
    int after = said.indexOf("hook after | after, live: 1.0.2");
    assertThat(before).isNotNegative().isLessThan(switched);
    assertThat(after).isGreaterThan(switched);
    assertThat(said).contains("hook after | oops");
    assertThat(said).anyMatch(m -> m.startsWith("hook after passed in "));
  }

  @Test
  void aHookPastItsTimeoutIsKilledAndFailsTheDeploy() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 1, """
        hooks:
          before: echo started; sleep 60; touch too-late
          timeout: 500ms
        """), "1.0.1", e -> { });

    List<Event> events = deploy("1.0.2", "in-place");

    Event end = events.get(events.size() - 1);
    assertThat(end.type()).isEqualTo("failed");
    assertThat(end.message()).contains("hook before did not end within 500ms (hooks: timeout): killed it");
    assertThat(messages(events)).contains("hook before | started");
    assertThat(dir.resolve("too-late")).doesNotExist();
    assertThat(((StatusView) daemon.status()).live()).isEqualTo("1.0.1");
  }

  @Test
  void aFailingAfterHookIsAWarningAndTheDeployGoesOn() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 1, "hooks: { after: exit 1 }\n"), "1.0.1", e -> { });

    List<Event> events = deploy("1.0.2", "in-place");

    assertThat(events.get(events.size() - 1).type()).isEqualTo("done");
    assertThat(events).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("warn");
      assertThat(e.message()).startsWith("hook after failed with exit code 1");
    });
  }
}
