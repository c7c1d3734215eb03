package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad flags of {@code nonstop proxy} say what was expected (the happy path runs in StreamingTest). */
class ProxyCommandTest {
  private static String run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute(args);
    assertThat(code).isEqualTo(2);
    return err.toString();
  }

  @Test
  void rejectsAMalformedBackendAddress() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "localhost"))
        .contains("'localhost' (expected: HOST:PORT");
  }

  @Test
  void rejectsAnUnknownBalance() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--balance", "fastest")).contains("expected: round-robin or least-in-flight");
  }

  @Test
  void rejectsAnUnknownTransport() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--transport", "kqueue")).contains("unknown transport 'kqueue' (expected: auto, io_uring, epoll or nio)");
  }

  @Test
  void rejectsANegativeMaxConnections() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--max-connections", "-1")).contains("--max-connections: -1 (expected: >= 0");
  }

  @Test
  void rejectsAnAmbiguousMaxBody() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--max-body", "10MB")).contains("--max-body: 10MB (expected: 10MiB; MB is ambiguous");
  }

  @Test
  void rejectsANegativeMaxBufferMemory() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--max-buffer-memory", "-1")).contains("--max-buffer-memory: -1 (expected: a size of 0 or more");
  }

  @Test
  void rejectsAMinBodyRateTooLargeForItsInt() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--min-body-rate", "2GiB")).contains("--min-body-rate: 2GiB (expected: a size below 2GiB)");
  }

  @Test
  void rejectsADurationWithoutAUnit() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--send-timeout", "60")).contains("--send-timeout: 60 (expected: a duration with a unit, e.g. 30s)");
  }

  @Test
  void rejectsAZeroBodyRateWindow() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--body-rate-window", "0s")).contains("--body-rate-window: 0s (expected: a duration above 0 with a unit, e.g. 1s)");
  }

  @Test
  void requiresABackend() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0")).contains("--backend");
  }
}
