package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.deploy.Fleet;
import dev.nonstop.instance.ProcessId;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A daemon killed after a blue-green switch and before the deploy was done: at its next start the
 * release that serves stays live, and the one it switched from is kept warm for a rollback rather
 * than stopped as a stray. Real processes stand for the servers.
 */
class CutOffDeployTest {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  private StateDoc.SavedServer running(String version, int slot, Fleet.Role role) throws IOException {
    Process p = new ProcessBuilder("sleep", "60").start();
    processes.add(p);
    ProcessId id = ProcessId.of(p.pid()).orElseThrow();
    return new StateDoc.SavedServer(slot, version, 40000 + slot, p.pid(), 0, id.startTicks(), role.name(),
        "api-" + version + "-" + slot, 0);
  }

  private static StateDoc doc(String live, List<StateDoc.SavedServer> servers) {
    return StateDoc.empty("api").withLive(live, "1.9").withServers(servers);
  }

  @Test
  void theReleaseSwitchedToStaysLiveAndTheOneBeforeIsKeptWarm() throws IOException {
    StateDoc doc = doc("2.0", List.of(running("2.1", 1, Fleet.Role.LIVE), running("2.1", 2, Fleet.Role.LIVE),
        running("2.0", 1, Fleet.Role.OTHER), running("2.0", 2, Fleet.Role.OTHER)));
    long before = System.currentTimeMillis();

    Adoption found = Adoption.survey(doc, Duration.ofMinutes(10));

    assertThat(found.cutOff).isEqualTo("2.1");
    assertThat(found.live).extracting(f -> f.saved().version()).containsExactly("2.1", "2.1");
    assertThat(found.warm).extracting(f -> f.saved().version()).containsExactly("2.0", "2.0");
    assertThat(found.warm).allSatisfy(f -> assertThat(f.saved().until())
        .isBetween(before + Duration.ofMinutes(10).toMillis(), System.currentTimeMillis() + Duration.ofMinutes(10).toMillis()));
    assertThat(found.stray).isEmpty();
  }

  @Test
  void whenTheLiveServersRunTheLiveReleaseNothingWasCutOff() throws IOException {
    StateDoc doc = doc("2.0", List.of(running("2.0", 1, Fleet.Role.LIVE), running("1.9", 1, Fleet.Role.OTHER)));

    Adoption found = Adoption.survey(doc, Duration.ofMinutes(10));

    assertThat(found.cutOff).isNull();
    assertThat(found.warm).isEmpty();
    assertThat(found.stray).extracting(f -> f.saved().version()).containsExactly("1.9");
  }
}
