package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.config.ConfigException;
import dev.nonstop.config.ConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads real files through ConfigLoader; skipped on a branch where the loader is still a stub. */
class TargetTest {
  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void writeConfig() throws IOException {
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, """
        app: hello
        listen: 127.0.0.1:8080
        admin: 127.0.0.1:9100
        run: java -jar hello.jar --port={port}
        state: %s
        """.formatted(dir.resolve("state")));
    assumeTrue(loaderIsBuilt(), "ConfigLoader is a stub on this branch");
  }

  @Test
  void readsTheAdminAddressFromTheFileAndTheTokenFromTheStateFolder() throws IOException {
    Files.createDirectories(dir.resolve("state"));
    Files.writeString(dir.resolve("state/admin.token"), "abc123\n");

    Target t = Target.fromConfig(file);

    assertThat(t.admin()).isEqualTo(new InetSocketAddress("127.0.0.1", 9100));
    assertThat(t.token()).isEqualTo("abc123");
    assertThat(t.address()).isEqualTo("127.0.0.1:9100");
  }

  @Test
  void aMissingTokenFileIsNamedWithWhereItWasLookedForAndWhatWritesIt() {
    assertThatThrownBy(() -> Target.fromConfig(file))
        .isInstanceOf(AdminClient.Failure.class)
        .hasMessage("no admin token at " + dir.resolve("state/admin.token") + ": 'nonstop up' writes it when it starts"
            + " (start it with: nonstop up -f " + file + " --version V)");
  }

  @Test
  void aBrokenFileIsAUsageErrorWithItsMessage() throws IOException {
    Files.writeString(file, "app: hello\nlisten: [\n");
    Cli cli = new Cli(null);

    assertThat(cli.run("status", "-f", file.toString())).isEqualTo(2);
    assertThat(cli.err()).contains("nonstop.yml:");
  }

  private boolean loaderIsBuilt() {
    try {
      ConfigLoader.load(file);
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    } catch (ConfigException e) {
      return true; // built; the test's own file is then wrong, and the tests will say so
    }
  }
}
