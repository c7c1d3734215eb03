package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the proxy's listener, seen by real clients: the JDK's HTTP client over HTTP/1.1 and
 * HTTP/2 (ALPN), raw TLS sockets for SNI and for handshakes made one by one.
 */
class TlsTest {
  @TempDir Path dir;
  private TestCerts certs;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void authority() throws Exception {
    certs = new TestCerts(dir);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private Proxy start(FakeBackend backend, Certificates tls) {
    return closeLater(Proxy.start(TestTransport.options().withFront(new FrontDoor(tls, false)),
        Pool.of(Selector.roundRobin(), List.of(backend.backend()))));
  }

  private HttpClient client(HttpClient.Version v) throws Exception {
    return HttpClient.newBuilder().sslContext(certs.sslContext()).version(v)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static URI uri(Proxy p, String path) {
    return URI.create("https://localhost:" + p.address().getPort() + path);
  }

  @Test
  void answersOverHttp11AndHttp2AsAlpnAgreesAndTellsTheBackendTheClientCameOverTls()
      throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = start(app, Certificates.load(List.of(certs.issue("site", "localhost")), true));

    HttpResponse<String> h1 = client(HttpClient.Version.HTTP_1_1).send(
        HttpRequest.newBuilder(uri(proxy, "/one")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(h1.statusCode()).isEqualTo(200);
    assertThat(h1.body()).isEqualTo("a GET /one 0");

    HttpResponse<String> h2 = client(HttpClient.Version.HTTP_2).send(
        HttpRequest.newBuilder(uri(proxy, "/two")).POST(HttpRequest.BodyPublishers.ofString("12345"))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(h2.statusCode()).isEqualTo(200);
    assertThat(h2.body()).isEqualTo("a POST /two 5");

    assertThat(app.seen).allSatisfy(s ->
        assertThat(s.headers().getFirst("X-Forwarded-Proto")).isEqualTo("https"));
  }

  @Test
  void withHttp2OffAlpnAgreesOnHttp11() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = start(app, Certificates.load(List.of(certs.issue("site", "localhost")), false));
    HttpResponse<String> r = client(HttpClient.Version.HTTP_2).send(
        HttpRequest.newBuilder(uri(proxy, "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void theCertificateIsChosenByTheNameTheClientAsksFor() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Certificates.Source first = certs.issue("first", "first.test");
    Certificates.Source wild = certs.issue("wild", "*.apps.test", "apps.test");
    Certificates.Source exact = certs.issue("exact", "shop.apps.test");
    Proxy proxy = start(app, Certificates.load(List.of(first, wild, exact), true));

    assertThat(servedFor(proxy, "shop.apps.test")).isEqualTo(TestCerts.serial(exact.cert()));
    assertThat(servedFor(proxy, "blog.apps.test")).isEqualTo(TestCerts.serial(wild.cert()));
    assertThat(servedFor(proxy, "apps.test")).isEqualTo(TestCerts.serial(wild.cert()));
    // a wildcard covers one label only; an unknown name, or none, gets the first certificate
    assertThat(servedFor(proxy, "a.b.apps.test")).isEqualTo(TestCerts.serial(first.cert()));
    assertThat(servedFor(proxy, "elsewhere.test")).isEqualTo(TestCerts.serial(first.cert()));
    assertThat(servedFor(proxy, null)).isEqualTo(TestCerts.serial(first.cert()));
  }

  @Test
  void changedFilesAreServedWithoutARestartAndNoRequestFails() throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Certificates.Source site = certs.issue("site", "localhost");
    BigInteger before = TestCerts.serial(site.cert());
    Certificates tls = Certificates.load(List.of(site), true);
    Proxy proxy = start(app, tls);

    // Load: a new TLS connection per request, so that each one makes a handshake.
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      load.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          try {
            assertThat(getOverNewConnection(proxy, "localhost")).startsWith("HTTP/1.1 200");
            ok.incrementAndGet();
          } catch (Throwable e) {
            failures.add(e);
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > 20);

    certs.renew(site, "localhost");
    BigInteger after = TestCerts.serial(site.cert());
    assertThat(after).isNotEqualTo(before);
    await("the renewed certificate is served").atMost(Duration.ofSeconds(20))
        .until(() -> servedFor(proxy, "localhost").equals(after));
    int atSwitch = ok.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > atSwitch + 20);

    // A file half written (or a key of another certificate) is not served: the old pair stays.
    Files.writeString(site.cert(), "-----BEGIN CERTIFICATE-----\ntruncated");
    assertThat(tls.reload()).isZero();
    assertThat(servedFor(proxy, "localhost")).isEqualTo(after);
    running.set(false);
    CompletableFuture.allOf(load.toArray(new CompletableFuture<?>[0])).join();
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(40);
  }

  @Test
  void filesThatDoNotLoadGetAnErrorNamingTheFileAndWhatWasExpected() throws Exception {
    Certificates.Source a = certs.issue("a", "a.test");
    Certificates.Source b = certs.issue("b", "b.test");
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "hello\n");

    assertThatThrownBy(() -> Certificates.load(List.of(
        new Certificates.Source(dir.resolve("missing.pem"), a.key())), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.pem");
    assertThatThrownBy(() -> Certificates.load(List.of(
        new Certificates.Source(garbage, a.key())), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("garbage.pem").hasMessageContaining("expected: PEM");
    assertThatThrownBy(() -> Certificates.load(List.of(
        new Certificates.Source(a.cert(), garbage)), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("garbage.pem").hasMessageContaining("expected a PEM certificate");
    assertThatThrownBy(() -> Certificates.load(List.of(
        new Certificates.Source(a.cert(), b.key())), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not go with the certificate");
    assertThatThrownBy(() -> Certificates.load(List.of(), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: at least one");
  }

  @Test
  void aClientThatSpeaksPlainHttpOrStallsInTheHandshakeIsClosedAndOthersAreServed()
      throws Exception {
    FakeBackend app = closeLater(new FakeBackend("a"));
    Proxy proxy = closeLater(Proxy.start(TestTransport.options()
            .withRequestHeaderTimeout(Duration.ofSeconds(1))
            .withFront(new FrontDoor(Certificates.load(List.of(certs.issue("s", "localhost")), true),
                false)),
        Pool.of(Selector.roundRobin(), List.of(app.backend()))));
    InetSocketAddress at = proxy.address();
    try (Socket plain = new Socket(at.getAddress(), at.getPort());
        Socket silent = new Socket(at.getAddress(), at.getPort())) {
      plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      plain.setSoTimeout(10_000);
      silent.setSoTimeout(10_000);
      InputStream in = plain.getInputStream();
      while (in.read() >= 0) {
        // whatever TLS alert it gets, then the close
      }
      assertThat(silent.getInputStream().read()).as("a stalled handshake is closed").isEqualTo(-1);
    }
    assertThat(getOverNewConnection(proxy, "localhost")).startsWith("HTTP/1.1 200");
    assertThat(app.requests.get()).isEqualTo(1);
  }

  /** The serial number of the certificate the proxy shows to a client asking for {@code name}. */
  private BigInteger servedFor(Proxy proxy, String name) throws Exception {
    try (SSLSocket s = handshake(proxy, name)) {
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private SSLSocket handshake(Proxy proxy, String name) throws Exception {
    SSLContext ctx = certs.sslContext();
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(
        proxy.address().getAddress(), proxy.address().getPort());
    s.setSoTimeout(10_000);
    SSLParameters p = s.getSSLParameters();
    if (name != null) {
      p.setServerNames(List.of(new SNIHostName(name)));
    } else {
      p.setServerNames(List.of());
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** One GET over a TLS connection of its own; the response's status line. */
  private String getOverNewConnection(Proxy proxy, String name) throws Exception {
    try (SSLSocket s = handshake(proxy, name)) {
      OutputStream out = s.getOutputStream();
      out.write(("GET /x HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return all;
    }
  }
}
