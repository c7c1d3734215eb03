package dev.nonstop.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenTest {
  @TempDir Path dir;

  @Test
  void createsAnOwnerOnlyFileWith32RandomBytesAsHex() throws Exception {
    Path stateDir = dir.resolve(".nonstop");

    String token = Token.loadOrCreate(stateDir);

    assertThat(token).matches("[0-9a-f]{64}");
    Path file = stateDir.resolve("admin.token");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    try (var files = Files.list(stateDir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void reusesTheExistingToken() {
    String first = Token.loadOrCreate(dir);

    assertThat(Token.loadOrCreate(dir)).isEqualTo(first);
  }

  @Test
  void eachStateFolderGetsItsOwnToken() {
    assertThat(Token.loadOrCreate(dir.resolve("a"))).isNotEqualTo(Token.loadOrCreate(dir.resolve("b")));
  }
}
