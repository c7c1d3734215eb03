package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WsEchoServer} and {@link WsClient} against each other, with no proxy between: what the
 * proxy's WebSocket tests take for granted about their fixtures.
 */
class WsFixturesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int MIB = 1024 * 1024;

  private WsEchoServer server;
  private final List<WsClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = WsEchoServer.start("v1");
  }

  @AfterEach
  void stop() {
    clients.forEach(WsClient::cut);
    server.close();
  }

  private WsClient connect() throws Exception {
    WsClient c = WsClient.connect(server.address(), WsEchoServer.PATH, WAIT);
    clients.add(c);
    return c;
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void echoesTextAndBinaryAndPushesUnasked() throws Exception {
    WsClient c = connect();
    c.send("hello");
    assertThat(c.receive(WAIT)).isEqualTo("hello");
    c.sendBinary(new byte[] {0, 1, 2, (byte) 255});
    assertThat(c.receiveBinary(WAIT)).containsExactly(0, 1, 2, 255);
    c.send("who");
    assertThat(c.receive(WAIT)).isEqualTo("v1");

    await().atMost(WAIT).until(() -> server.openSockets() == 1);
    server.broadcast("from the server");
    assertThat(c.receive(WAIT)).isEqualTo("from the server");
  }

  @Test
  void answersPlainGetsOnOtherPaths() throws Exception {
    try (RawClient http = new RawClient(server.address())) {
      RawClient.Response health = http.get("/health");
      assertThat(health.status()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("hello v1");
      assertThat(http.get("/").body()).isEqualTo("hello v1");
    }
    assertThat(server.httpRequests()).isEqualTo(2);
  }

  @Test
  void carriesOneMebibyteMessagesBothWholeAndFragmented() throws Exception {
    WsClient c = connect();
    byte[] big = random(MIB, 1);
    c.sendBinary(big);
    assertThat(c.receiveBinary(WAIT)).isEqualTo(big);

    String text = "é".repeat(MIB / 2); // 1 MiB of UTF-8, cut mid-character by the fragments
    server.fragmentEchoes(64 * 1024 + 1);
    c.send(text);
    assertThat(c.receive(WAIT)).isEqualTo(text);
    assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(MIB);
  }

  @Test
  void putsTogetherAMessageTheClientSentInFragments() throws Exception {
    WsClient c = connect();
    c.sendFragmented("con", "tin", "uation");
    assertThat(c.receive(WAIT)).isEqualTo("continuation");
  }

  @Test
  void holdsAHundredSocketsAtOnce() throws Exception {
    for (int i = 0; i < 100; i++) {
      connect();
    }
    await().atMost(WAIT).until(() -> server.openSockets() == 100);
    for (int i = 0; i < clients.size(); i++) {
      clients.get(i).send("client " + i);
    }
    for (int i = 0; i < clients.size(); i++) {
      assertThat(clients.get(i).receive(WAIT)).isEqualTo("client " + i);
    }
    clients.forEach(WsClient::close);
    await().atMost(WAIT).until(() -> server.openSockets() == 0);
    assertThat(server.handshakes()).hasSize(100);
  }

  @Test
  void closeAllSendsEveryClientTheGivenCode() throws Exception {
    WsClient a = connect();
    WsClient b = connect();
    await().atMost(WAIT).until(() -> server.openSockets() == 2);

    server.closeAll(1001);

    assertThat(a.awaitClose(WAIT)).isEqualTo(new WsClient.CloseStatus(1001, "going away"));
    assertThat(b.awaitClose(WAIT).code()).isEqualTo(1001);
    await().atMost(WAIT).until(() -> !a.isOpen() && !b.isOpen() && server.openSockets() == 0);
  }

  @Test
  void aCutConnectionIsToldApartFromAClose() throws Exception {
    WsClient c = connect();
    await().atMost(WAIT).until(() -> server.openSockets() == 1);

    server.cutAll();

    assertThat(c.awaitClose(WAIT)).isEqualTo(WsClient.CloseStatus.CUT);
    assertThat(c.awaitClose(WAIT).cut()).isTrue();
  }

  @Test
  void aHandshakeOnAPlainPathFailsWithItsStatus() {
    InetSocketAddress address = server.address();
    assertThatThrownBy(() -> WsClient.connect(address, "/health", WAIT))
        .isInstanceOf(WsClient.HandshakeRefused.class)
        .hasMessage("handshake got 200");

    server.refuseHandshakes(503);
    assertThatThrownBy(() -> WsClient.connect(address, WsEchoServer.PATH, WAIT))
        .isInstanceOfSatisfying(WsClient.HandshakeRefused.class, e -> {
          assertThat(e.status()).isEqualTo(503);
          assertThat(e.body()).isEqualTo("refused by v1");
        })
        .hasMessage("handshake got 503");
  }

  @Test
  void aClientThatStopsReadingStopsTheServersWrites() throws Exception {
    WsClient c = connect();
    await().atMost(WAIT).until(() -> server.openSockets() == 1);
    c.pauseReading();

    // the echoes back up in the server, which then stops reading: the client's writes back up too
    byte[] chunk = random(256 * 1024, 2);
    int sent = sendUntilBackedUp(c, chunk);
    await().atMost(WAIT).during(Duration.ofMillis(300))
        .until(() -> server.unwritableSockets() == 1 && !c.isWritable());

    c.resumeReading();
    for (int i = 0; i < sent; i++) {
      assertThat(c.receiveBinary(WAIT)).as("echo %d of %d", i + 1, sent).isEqualTo(chunk);
    }
    await().atMost(WAIT).until(() -> c.isWritable() && server.unwritableSockets() == 0);
  }

  @Test
  void aServerThatStopsReadingBacksUpTheClient() throws Exception {
    WsClient c = connect();
    await().atMost(WAIT).until(() -> server.openSockets() == 1);
    server.pauseReading();

    byte[] chunk = random(256 * 1024, 3);
    int sent = sendUntilBackedUp(c, chunk);
    await().atMost(WAIT).during(Duration.ofMillis(300)).until(() -> !c.isWritable());

    server.resumeReading();
    for (int i = 0; i < sent; i++) {
      assertThat(c.receiveBinary(WAIT)).isEqualTo(chunk);
    }
  }

  /**
   * Sends {@code chunk} each time the client can write, until it stays unable to for half a
   * second: its peer stopped reading. Returns how many it sent; fails past 100 MiB.
   */
  private static int sendUntilBackedUp(WsClient c, byte[] chunk) {
    int sent = 0;
    while (awaitWritable(c)) {
      assertThat(sent).as("never backed up after %d KiB", sent * chunk.length / 1024)
          .isLessThan(100 * MIB / chunk.length);
      c.sendBinary(chunk);
      sent++;
    }
    return sent;
  }

  /** True once the client can write; false when it stayed backed up for half a second. */
  private static boolean awaitWritable(WsClient c) {
    if (c.isWritable()) {
      return true;
    }
    try {
      await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(10)).until(c::isWritable);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }
}
