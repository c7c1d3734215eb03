package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.config.AppConfig;
import dev.nonstop.deploy.DeployException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A state file from a newer Nonstop is refused, never read in part and written back shorter. */
class StateFormatTest {
  @TempDir Path dir;

  @Test
  void refusesAStateFileOfANewerFormatAndLeavesItAsItWas() throws Exception {
    AppConfig config = Fixture.config(dir, 1, "");
    Path state = config.state().resolve("state.json");
    Files.createDirectories(state.getParent());
    String newer = "{\"format\":99,\"app\":\"hello\",\"live\":\"2.0.0\",\"previous\":null,"
        + "\"maintenance\":null,\"servers\":[],\"history\":[],\"canary\":{\"steps\":[5,25]}}";
    Files.writeString(state, newer);

    assertThatThrownBy(() -> Daemon.start(config, "1.0.0", e -> { }).close())
        .isInstanceOf(DeployException.class)
        .hasMessageContaining("format 99")
        .hasMessageContaining("newer Nonstop");
    assertThat(Files.readString(state)).isEqualTo(newer);
  }

  @Test
  void writesItsFormatIntoTheStateFile() throws Exception {
    StateDoc doc = StateDoc.empty("hello");
    assertThat(doc.format()).isEqualTo(StateDoc.FORMAT);
  }
}
