package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy as curl sees it: HTTPS with HTTP/2 and HTTP/1.1, and h2c with prior knowledge. */
class CurlTest {
  @TempDir Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  /** curl's output: the body, then a line with the HTTP version and status it saw. */
  private static String curl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
        "-w", "\n%{http_version} %{http_code}"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static boolean curlHasHttp2() {
    try {
      Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return p.waitFor() == 0 && v.contains("HTTP2");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void httpsWithHttp2AndHttp11() throws Exception {
    assumeTrue(curlHasHttp2(), "curl with HTTP/2 is not installed (apt-get install curl)");
    TestCerts certs = new TestCerts(dir);
    FakeBackend app = new FakeBackend("a");
    closing.add(app);
    Proxy proxy = Proxy.start(TestTransport.options().withFront(new FrontDoor(
            Certificates.load(List.of(certs.issue("s", "localhost")), true), false)),
        Pool.of(Selector.roundRobin(), List.of(app.backend())));
    closing.add(proxy);
    String base = "https://localhost:" + proxy.address().getPort();
    String ca = certs.caCert.toString();
    assertThat(curl("--http2", "--cacert", ca, base + "/two")).isEqualTo("a GET /two 0\n2 200");
    assertThat(curl("--http1.1", "--cacert", ca, base + "/one")).isEqualTo("a GET /one 0\n1.1 200");
    assertThat(curl("--http2", "--cacert", ca, "--data-binary", "hello", base + "/post"))
        .isEqualTo("a POST /post 5\n2 200");
  }

  @Test
  void h2cWithPriorKnowledge() throws Exception {
    assumeTrue(curlHasHttp2(), "curl with HTTP/2 is not installed (apt-get install curl)");
    FakeBackend app = new FakeBackend("a");
    closing.add(app);
    Proxy proxy = Proxy.start(TestTransport.options().withFront(new FrontDoor(null, true)),
        Pool.of(Selector.roundRobin(), List.of(app.backend())));
    closing.add(proxy);
    String base = "http://127.0.0.1:" + proxy.address().getPort();
    assertThat(curl("--http2-prior-knowledge", base + "/x")).isEqualTo("a GET /x 0\n2 200");
    assertThat(curl(base + "/y")).isEqualTo("a GET /y 0\n1.1 200");
  }
}
