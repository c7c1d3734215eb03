package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "--max-connections|-1|--max-connections: -1 (expected: >= 0",
      "--max-body|10MB|--max-body: 10MB (expected: 10MiB; MB is ambiguous",
      "--max-buffer-memory|-1|--max-buffer-memory: -1 (expected: a size of 0 or more",
      "--min-body-rate|2GiB|--min-body-rate: 2GiB (expected: a size below 2GiB)",
      "--send-timeout|60|--send-timeout: 60 (expected: a duration with a unit, e.g. 30s)",
      "--body-rate-window|0s|--body-rate-window: 0s (expected: a duration above 0 with a unit, e.g. 1s)"
  })
  void rejectsABadLimitSayingWhatWasExpected(String flag, String value, String message) {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1", flag, value))
        .contains(message);
  }

  @Test
  void tlsFlagsThatDoNotGoTogetherSayWhatWasExpected() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--tls-cert", "a.pem")).contains("one --tls-key for each --tls-cert");
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--no-http2")).contains("--no-http2 without --tls-cert");
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--tls-cert", "a.pem", "--tls-key", "a.key", "--h2c")).contains("--h2c with --tls-cert");
    assertThat(run("proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
        "--tls-cert", "/nonexistent/a.pem", "--tls-key", "/nonexistent/a.key"))
        .contains("TLS: no such file: /nonexistent/a.pem");
  }

  @Test
  void requiresABackend() {
    assertThat(run("proxy", "--listen", "127.0.0.1:0")).contains("--backend");
  }
}
