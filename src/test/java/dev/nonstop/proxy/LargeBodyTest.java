package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Health;
import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Large bodies of told length, as they stream through: the client gets the backend's bytes
 * whole, a client that leaves is not the backend's failure, a backend that closes right after its
 * body has sent it all, and the backend connection serves its next response as any other. (Any
 * zero-copy path for large bodies must keep these.)
 */
class LargeBodyTest {
  private static final int BIG = 3 * 1024 * 1024 + 17;
  private static final byte[] BODY = new byte[BIG];
  /** How many times {@link #BODY} a huge body is. */
  private static final int HUGE = 8;
  /** A client's receive buffer that keeps most of a large body waiting in the proxy. */
  private static final int SMALL_WINDOW = 16 * 1024;

  static {
    new Random(7).nextBytes(BODY);
  }

  /**
   * /big: {@link #BODY}; /pieces: a small body sent in three writes with pauses between, so that
   * it reaches the proxy in several reads.
   */
  private static SocketBackend backend() throws Exception {
    return new SocketBackend((socket, b) -> {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String req;
      while ((req = b.readRequest(in)) != null) {
        if (req.startsWith("GET /pieces")) {
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          pause();
          out.write("\r\nhello".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          pause();
          out.write("there".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } else if (req.startsWith("GET /garbage")) {
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.write(BODY);
          out.flush();
          pause();
          out.write("HTTP/1.1 200 OK\r\n\r\nnot asked for".getBytes(StandardCharsets.US_ASCII));
          out.flush();
        } else {
          // /huge: more than the kernel's socket buffers hold on the way; /last: as much, then
          // the close, while most of it is still on its way to the client
          boolean last = req.startsWith("GET /last");
          int times = last || req.startsWith("GET /huge") ? HUGE : 1;
          out.write(("HTTP/1.1 200 OK\r\n" + (last ? "Connection: close\r\n" : "")
              + "Content-Length: " + (long) BIG * times + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          for (int i = 0; i < times; i++) {
            out.write(BODY);
          }
          out.flush();
          if (last) {
            return;
          }
        }
      }
    });
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Proxy proxy(SocketBackend backend) {
    return Proxy.start(TestTransport.options(),
        Pool.of(Selector.roundRobin(), List.of(backend.backend("a"))));
  }

  @Test
  void aLargeBodyArrivesWholeAndTheConnectionServesTheNextResponseThatComesInPieces()
      throws Exception {
    try (SocketBackend backend = backend(); Proxy proxy = proxy(backend);
        RawClient client = new RawClient(proxy.address())) {
      for (int round = 0; round < 3; round++) {
        RawClient.Response big = client.get("/big");
        assertThat(big.status()).isEqualTo(200);
        assertThat(sha(big.bytes())).isEqualTo(sha(BODY));
        // the same backend connection, back from its pool: a head and a body in several reads
        RawClient.Response pieces = client.get("/pieces");
        assertThat(pieces.status()).isEqualTo(200);
        assertThat(pieces.body()).isEqualTo("hellothere");
      }
      assertThat(backend.connections.get()).as("backend connections").isEqualTo(1);
    }
  }

  @Test
  void bytesPastALargeBodysEndAreDroppedWithTheirConnectionAndTheBodyArrivesWhole()
      throws Exception {
    try (SocketBackend backend = backend(); Proxy proxy = proxy(backend);
        RawClient client = new RawClient(proxy.address(), SMALL_WINDOW)) {
      client.send("GET /garbage HTTP/1.1\r\nHost: t\r\n\r\n");
      Thread.sleep(500); // the extra bytes come while most of the body waits for this client
      RawClient.Response r = client.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(sha(r.bytes())).isEqualTo(sha(BODY));
      // that backend connection is not used again: the next request opens another
      assertThat(client.get("/pieces").body()).isEqualTo("hellothere");
      assertThat(backend.connections.get()).as("backend connections").isEqualTo(2);
    }
  }

  @Test
  void aBackendThatClosesRightAfterItsBodyHasSentItAllAndIsNotBlamed() throws Exception {
    try (SocketBackend backend = backend(); Proxy proxy = proxy(backend);
        RawClient client = new RawClient(proxy.address(), SMALL_WINDOW)) {
      client.send("GET /last HTTP/1.1\r\nHost: t\r\n\r\n");
      Thread.sleep(500); // the backend has written and closed; the client has read nothing yet
      RawClient.Response r = client.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(sha(r.bytes())).isEqualTo(sha(BODY, HUGE));
      assertThat(proxy.pool().backends().get(0).failures()).as("failures charged").isZero();
    }
  }

  @Test
  void clientsThatLeaveMidBodyAreNotTheBackendsFailure() throws Exception {
    try (SocketBackend backend = backend(); Proxy proxy = proxy(backend)) {
      // Many clients at once, as a load tool's end: each takes whole bodies on a kept-alive
      // connection, then leaves in the middle of one.
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> clients = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        clients.add(pool.submit(() -> {
          try (RawClient c = new RawClient(proxy.address())) {
            for (int r = 0; r < 3; r++) {
              assertThat(c.get("/big").status()).isEqualTo(200);
            }
            c.send("GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
            c.socket.getInputStream().readNBytes(1024 * 1024); // then gone, most of it unread
          }
          return null;
        }));
      }
      for (Future<?> f : clients) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> proxy.pool().backends().get(0).inFlight() == 0);
      assertThat(proxy.pool().backends().get(0).health()).isEqualTo(Health.UP);
      assertThat(proxy.pool().backends().get(0).failures()).as("failures charged").isZero();
      try (RawClient c = new RawClient(proxy.address())) {
        RawClient.Response r = c.get("/big");
        assertThat(r.status()).isEqualTo(200);
        assertThat(sha(r.bytes())).isEqualTo(sha(BODY));
      }
    }
  }

  private static String sha(byte[] b) throws Exception {
    return sha(b, 1);
  }

  /** The digest of {@code b} repeated {@code times}. */
  private static String sha(byte[] b, int times) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < times; i++) {
      d.update(b);
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
