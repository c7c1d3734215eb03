package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Point 1: bad flags say what was expected (the command's happy path runs in StreamingTest). */
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
  void requiresABackend() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0")).contains("--backend");
  }
}
