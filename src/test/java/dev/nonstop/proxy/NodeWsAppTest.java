package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.instance.Ports;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node app of src/test/node-ws (Express + ws), the WebSocket backend of a real stack, as
 * {@link WsClient} and {@link RawClient} see it: HTTP, echo, "who", and 1001 on SIGTERM. Skipped
 * when node or the app's node_modules is missing (scripts/install-test-tools.sh sets both up).
 */
class NodeWsAppTest {
  private static final Path APP = Path.of("src/test/node-ws");
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Process node;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(onPath("node"), "no node on the PATH (scripts/install-test-tools.sh installs it): skipped");
    assumeTrue(Files.isDirectory(APP.resolve("node_modules/ws")),
        "no " + APP + "/node_modules (scripts/install-test-tools.sh runs npm ci there): skipped");
    int port = Ports.free();
    address = new InetSocketAddress("127.0.0.1", port);
    ProcessBuilder pb = new ProcessBuilder("node", "server.js").directory(APP.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("NONSTOP_VERSION", "1.2.3");
    node = pb.start();
    await().atMost(WAIT).until(() -> log().contains("listening") || !node.isAlive());
    assertThat(node.isAlive()).as("node exited:\n" + log()).isTrue();
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.destroyForcibly();
    }
  }

  private String log() throws IOException {
    return Files.readString(dir.resolve("node.log"), StandardCharsets.UTF_8);
  }

  private static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(d, command).canExecute()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void answersHealthAndHelloOverHttp() throws Exception {
    try (RawClient http = new RawClient(address)) {
      assertThat(http.get("/health").status()).isEqualTo(200);
      RawClient.Response hello = http.get("/");
      assertThat(hello.status()).isEqualTo(200);
      assertThat(hello.body()).isEqualTo("hello 1.2.3");
    }
  }

  @Test
  void echoesOnItsWebSocketAndTellsItsVersion() throws Exception {
    try (WsClient ws = WsClient.connect(address, "/ws", WAIT)) {
      ws.send("ping me back");
      assertThat(ws.receive(WAIT)).isEqualTo("ping me back");
      ws.send("who");
      assertThat(ws.receive(WAIT)).isEqualTo("1.2.3");
      byte[] big = new byte[1024 * 1024];
      new Random(4).nextBytes(big);
      ws.sendBinary(big);
      assertThat(ws.receiveBinary(WAIT)).isEqualTo(big);
    }
  }

  @Test
  void closesEveryWebSocketWith1001OnSigterm() throws Exception {
    WsClient a = WsClient.connect(address, "/ws", WAIT);
    WsClient b = WsClient.connect(address, "/ws", WAIT);
    try {
      node.destroy(); // SIGTERM
      assertThat(a.awaitClose(WAIT)).isEqualTo(new WsClient.CloseStatus(1001, "going away"));
      assertThat(b.awaitClose(WAIT).code()).isEqualTo(1001);
      assertThat(node.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("node exited").isTrue();
      assertThat(node.exitValue()).as(log()).isZero();
      assertThat(log()).contains("SIGTERM, closing 2 WebSocket(s) with 1001");
    } finally {
      a.cut();
      b.cut();
    }
  }
}
