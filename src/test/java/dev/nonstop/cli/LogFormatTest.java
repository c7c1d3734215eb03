package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.admin.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Logs go to stderr, which is the one stream this test has to swap to read them. */
class LogFormatTest {
  private final PrintStream realErr = System.err;

  @AfterEach
  void back() {
    System.setErr(realErr);
    LogFormat.TEXT.apply();
    System.clearProperty(LogFormat.PROPERTY);
  }

  private String logged(LogFormat format, String message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    format.apply();
    LoggerFactory.getLogger("dev.nonstop.daemon.Daemon").info("deploy #{} {}", 3, message);
    System.setErr(realErr);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonWritesOneObjectALine() throws Exception {
    String out = logged(LogFormat.JSON, "says \"hi\"\nand more");

    assertThat(out.lines()).hasSize(1);
    JsonNode line = Json.mapper().readTree(out);
    assertThat(line.path("level").asText()).isEqualTo("INFO");
    assertThat(line.path("loggerName").asText()).isEqualTo("dev.nonstop.daemon.Daemon");
    assertThat(line.path("formattedMessage").asText()).isEqualTo("deploy #3 says \"hi\"\nand more");
    assertThat(line.path("timestamp").asLong()).isPositive();
  }

  @Test
  void textIsOneReadableLine() {
    assertThat(logged(LogFormat.TEXT, "is live")).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Daemon - deploy #3 is live\\R");
  }

  @Test
  void upTakesTheOption() {
    picocli.CommandLine cl = Main.commandLine();
    cl.parseArgs("up", "--log-format", "json", "--version", "1");
    UpCommand up = cl.getSubcommands().get("up").getCommand();
    assertThat(up.logFormat).isEqualTo(LogFormat.JSON);
  }
}
