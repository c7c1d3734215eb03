package dev.nonstop.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {
  @TempDir Path dir;

  private Path write(String text) throws IOException {
    return Files.writeString(dir.resolve("x.log"), text);
  }

  @Test
  void returnsTheLastLinesWithoutTheFinalNewline() throws IOException {
    assertThat(LogTail.lastLines(write("a\nb\nc\n"), 2)).containsExactly("b", "c");
  }

  @Test
  void returnsAllLinesWhenThereAreFewer() throws IOException {
    assertThat(LogTail.lastLines(write("a\r\nb"), 5)).containsExactly("a", "b");
  }

  @Test
  void findsLinesAcrossChunks() throws IOException {
    String text = IntStream.range(0, 5000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));

    List<String> lines = LogTail.lastLines(write(text), 3000);

    assertThat(lines).hasSize(3000).startsWith("line 2000").endsWith("line 4999");
  }

  @Test
  void emptyOrMissingFileHasNoLines() throws IOException {
    assertThat(LogTail.lastLines(write(""), 3)).isEmpty();
    assertThat(LogTail.lastLines(dir.resolve("missing.log"), 3)).isEmpty();
    assertThat(LogTail.lastLines(write("a\n"), 0)).isEmpty();
  }
}
