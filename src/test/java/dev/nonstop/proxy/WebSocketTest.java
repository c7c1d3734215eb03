package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real WebSockets through the proxy: Netty's server codec behind it ({@link WsEchoServer}), a
 * real client in front ({@link WsClient}).
 */
class WebSocketTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private Proxy proxyTo(Backend... backends) {
    return keep(Proxy.start(TestTransport.options(), Pool.of(Selector.roundRobin(), List.of(backends))));
  }

  @Test
  void messagesGoBothWaysTextAndBinaryAndTheServerMayPush() throws Exception {
    WsEchoServer server = keep(WsEchoServer.start("v1"));
    Proxy proxy = proxyTo(server.backend());
    WsClient c = keep(WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT));

    c.send("hello");
    assertThat(c.receive(WAIT)).isEqualTo("hello");
    byte[] bytes = {0, 1, 2, (byte) 0xff};
    c.sendBinary(bytes);
    assertThat(c.receiveBinary(WAIT)).isEqualTo(bytes);
    c.send("who");
    assertThat(c.receive(WAIT)).isEqualTo("v1");
    server.broadcast("news");
    assertThat(c.receive(WAIT)).isEqualTo("news");
    assertThat(server.handshakes().get(0).get("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(server.handshakes().get(0).get("X-Forwarded-For")).isEqualTo("127.0.0.1");
  }

  @Test
  void aMebibyteMessageArrivesWholeEitherWayAndFragmentsToo() throws Exception {
    WsEchoServer server = keep(WsEchoServer.start("v1"));
    Proxy proxy = proxyTo(server.backend());
    WsClient c = keep(WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT));
    byte[] big = new byte[1024 * 1024];
    ThreadLocalRandom.current().nextBytes(big);

    c.sendBinary(big);
    assertThat(c.receiveBinary(WAIT)).isEqualTo(big);
    c.sendFragmented("a".repeat(70_000), "b".repeat(70_000), "c");
    assertThat(c.receive(WAIT)).isEqualTo("a".repeat(70_000) + "b".repeat(70_000) + "c");
  }

  @Test
  void aClientThatStopsReadingStopsTheServerNotTheProxysMemory() throws Exception {
    WsEchoServer server = keep(WsEchoServer.start("v1"));
    Proxy proxy = proxyTo(server.backend());
    WsClient c = keep(WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT));
    c.send("warm up");
    c.receive(WAIT);
    c.pauseReading();

    String chunk = "x".repeat(64 * 1024);
    // the server pushes until its socket backs up: the proxy stops reading it once the client does
    await().atMost(WAIT).until(() -> {
      server.broadcast(chunk);
      return server.unwritableSockets() == 1;
    });

    c.resumeReading();
    c.send("still there?");
    String last;
    do {
      last = c.receive(WAIT);
    } while (!last.equals("still there?"));
  }

  @Test
  void aHundredSocketsAtOnceEachGetTheirOwnEchoes() throws Exception {
    WsEchoServer a = keep(WsEchoServer.start("a"));
    WsEchoServer b = keep(WsEchoServer.start("b"));
    Backend ba = a.backend();
    Backend bb = b.backend();
    Proxy proxy = proxyTo(ba, bb);
    List<WsClient> clients = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      clients.add(keep(WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT)));
    }
    for (int i = 0; i < clients.size(); i++) {
      clients.get(i).send("message " + i);
    }
    for (int i = 0; i < clients.size(); i++) {
      assertThat(clients.get(i).receive(WAIT)).isEqualTo("message " + i);
    }
    assertThat(a.openSockets() + b.openSockets()).isEqualTo(100);
    assertThat(ba.streams() + bb.streams()).isEqualTo(100);
    assertThat(ba.streams()).isBetween(1, 99); // spread over both
  }

  @Test
  void aServersCloseReachesTheClientWithItsCodeAndTheStreamIsCounted() throws Exception {
    WsEchoServer server = keep(WsEchoServer.start("v1"));
    Backend b = server.backend();
    Proxy proxy = proxyTo(b);
    WsClient c = keep(WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT));
    c.send("x");
    c.receive(WAIT);
    assertThat(b.streams()).isEqualTo(1);
    assertThat(b.inFlight()).isZero();

    assertThat(proxy.drain(b, Duration.ofSeconds(30)).get()).as("a drain does not wait for a WebSocket").isZero();
    c.send("still open while draining");
    assertThat(c.receive(WAIT)).isEqualTo("still open while draining");

    server.closeAll(1001);
    assertThat(c.awaitClose(WAIT).code()).isEqualTo(1001);
    await().atMost(WAIT).until(() -> b.streams() == 0);
  }

  @Test
  void aRefusedHandshakeReachesTheClientWithItsStatus() throws Exception {
    WsEchoServer server = keep(WsEchoServer.start("v1"));
    server.refuseHandshakes(403);
    Proxy proxy = proxyTo(server.backend());

    assertThatThrownBy(() -> WsClient.connect(proxy.address(), WsEchoServer.PATH, WAIT))
        .isInstanceOf(WsClient.HandshakeRefused.class)
        .hasMessage("handshake got 403");
    assertThat(server.backend().streams()).isZero();
  }
}
