package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nonstop.acme.Pebble;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.instance.Ports;
import dev.nonstop.deploy.Event;
import dev.nonstop.proxy.Certificates;
import dev.nonstop.proxy.TestCerts;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls:} in nonstop.yml, with real server processes: HTTPS with HTTP/2 through a deploy,
 * the plain-HTTP listener's redirects, certificates in status and /metrics, and certificates
 * obtained from Debian's pebble (Let's Encrypt's test CA) by ACME.
 */
class TlsDaemonTest {
  @TempDir Path dir;
  private Daemon daemon;
  private Pebble pebble;

  @AfterEach
  void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (pebble != null) {
      pebble.close();
    }
  }

  @Test
  void servesHttpsAndHttp2ThroughADeployWithNoFailedRequestAndRedirectsPlainHttp() throws Exception {
    TestCerts certs = new TestCerts(Files.createDirectories(dir.resolve("certs")));
    Certificates.Source site = certs.issue("site", "localhost");
    int redirectPort = Ports.free();
    daemon = Daemon.start(Fixture.config(dir, 2, "batch: 1\n"
        + "tls:\n"
        + "  cert: " + site.cert() + "\n"
        + "  key: " + site.key() + "\n"
        + "  redirect-http: 127.0.0.1:" + redirectPort + "\n"), "1.0.1", e -> { });
    int port = daemon.listenAddress().getPort();
    HttpClient client = HttpClient.newBuilder().sslContext(certs.sslContext())
        .version(HttpClient.Version.HTTP_2).build();
    URI uri = URI.create("https://localhost:" + port + "/");

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    Map<String, Long> versions = new ConcurrentHashMap<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      load.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || r.version() != HttpClient.Version.HTTP_2) {
              failures.add(r.statusCode() + " " + r.version());
            } else {
              ok.incrementAndGet();
              versions.merge(r.body().trim(), 1L, Long::sum);
            }
            Thread.sleep(5);
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      }));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > 50);
    Event end = daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)).done()
        .get(120, SECONDS);
    assertThat(end.type()).as(end.message()).isEqualTo("done");
    List<dev.nonstop.deploy.Report> reports = daemon.reports();
    assertThat(reports.get(reports.size() - 1).certificates()).singleElement().asString()
        .startsWith("localhost: valid until ").contains(" days), " + site.cert());
    long atEnd = ok.get();
    await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > atEnd + 50);
    running.set(false);
    CompletableFuture.allOf(load.toArray(new CompletableFuture<?>[0])).get(30, SECONDS);
    assertThat(failures).isEmpty();
    assertThat(versions.keySet()).anyMatch(v -> v.contains("1.0.1")).anyMatch(v -> v.contains("1.0.2"));

    // plain HTTP is sent to HTTPS, method and body kept (308)
    try (Socket plain = new Socket("127.0.0.1", redirectPort)) {
      plain.getOutputStream().write(("POST /a/b?c=d HTTP/1.1\r\nHost: localhost:" + redirectPort
          + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 308 Permanent Redirect\r\n")
          .contains("location: https://localhost:" + port + "/a/b?c=d\r\n");
    }

    StatusView status = (StatusView) daemon.status();
    assertThat(status.certificates()).singleElement().satisfies(c -> {
      assertThat(c.names()).containsExactly("localhost");
      assertThat(c.daysLeft()).isBetween(28L, 30L);
      assertThat(c.source()).isEqualTo(site.cert().toString());
    });
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(daemon.metrics())
        .containsPattern("nonstop_tls_certificate_expiry_seconds\\{names=\"localhost\"} [0-9.E]+"));
  }

  @Test
  void acmeObtainsTheCertificateFromPebbleAndServesItWithoutARestart() throws Exception {
    assumeTrue(Pebble.installed(), Pebble.SKIPPED);
    int redirectPort = Ports.free();
    pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")), redirectPort,
        Duration.ofDays(90));
    daemon = Daemon.start(Fixture.config(dir, 1, "tls:\n"
        + "  redirect-http: 127.0.0.1:" + redirectPort + "\n"
        + "  acme:\n"
        + "    email: ops@app.test\n"
        + "    directory: " + pebble.directory() + "\n"
        + "    ca-roots: " + pebble.tlsCertificate() + "\n"
        + "    hosts: [app.test]\n"), "1.0.1", e -> { });
    InetSocketAddress at = daemon.listenAddress();
    X509Certificate root = pebble.issuingRoot();

    // the client checks the chain against pebble's root, and the name
    await("a certificate from pebble for app.test").atMost(Duration.ofSeconds(60))
        .ignoreExceptions().untilAsserted(() -> {
          try (SSLSocket s = verifiedHandshake(at, "app.test", root)) {
            assertThat(((X509Certificate) s.getSession().getPeerCertificates()[0])
                .getIssuerX500Principal()).isNotNull();
          }
        });
    Path acme = dir.resolve("state/acme");
    try (var files = Files.walk(acme)) {
      for (Path f : files.toList()) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
        assertThat(mode).as(f.toString()).isEqualTo(Files.isDirectory(f) ? "rwx------" : "rw-------");
      }
    }
    StatusView status = (StatusView) daemon.status();
    assertThat(status.certificates()).anySatisfy(c -> {
      assertThat(c.names()).contains("app.test");
      assertThat(c.source()).isEqualTo("acme");
      assertThat(c.daysLeft()).isGreaterThan(80L);
    });
  }

  private static SSLSocket verifiedHandshake(InetSocketAddress at, String name, X509Certificate root)
      throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    Socket plain = new Socket(at.getAddress(), at.getPort());
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, name, at.getPort(), true);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(name)));
    p.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(p);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }
}
