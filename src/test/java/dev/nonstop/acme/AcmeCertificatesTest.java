package dev.nonstop.acme;

import dev.nonstop.proxy.TestCerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates from a real ACME CA: Debian's pebble, validating against a real challenge server. */
class AcmeCertificatesTest {
  /** Let's Encrypt's lifetime: the renewal point is 30 days before expiry. */
  private static final Duration VALIDITY = Duration.ofDays(90);
  private static final AcmeSettings.Timing FAST =
      new AcmeSettings.Timing(Duration.ofMillis(50), Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofMillis(20), Duration.ofSeconds(20));

  private static ChallengeServer challengeServer;
  private static Pebble pebble;

  @TempDir Path state;
  private final FakeClock clock = new FakeClock(Instant.now());
  private final List<Ready> ready = new CopyOnWriteArrayList<>();
  private final List<AcmeCertificates> started = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startPebble(@TempDir Path pebbleDir) throws Exception {
    if (!Pebble.installed()) {
      return; // each test says why it is skipped
    }
    challengeServer = new ChallengeServer();
    pebble = Pebble.start(pebbleDir, challengeServer.port(), VALIDITY);
  }

  @AfterAll
  static void stopPebble() throws Exception {
    if (pebble != null) {
      pebble.close();
    }
    if (challengeServer != null) {
      challengeServer.close();
    }
  }

  @BeforeEach
  void needsPebble() {
    assumeTrue(pebble != null, Pebble.SKIPPED);
  }

  @AfterEach
  void closeCertificates() {
    started.forEach(AcmeCertificates::close);
    if (challengeServer != null) {
      challengeServer.answerWrongly(false);
    }
  }

  /** What the listener was told, with the serial in the chain file at that moment. */
  record Ready(List<String> hosts, Path chain, Path key, String serial) {}

  @Test
  void issuesACertificateThatATlsClientVerifiesWithPebblesRootAndTheHostName() throws Exception {
    AcmeCertificates certificates = start("app.example.com");

    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 1);
    Ready first = ready.get(0);
    assertThat(first.hosts()).containsExactly("app.example.com");
    assertThat(first.chain().getFileName()).hasToString("app.example.com.crt");
    assertThat(first.key().getFileName()).hasToString("app.example.com.key");
    handshake(first.chain(), first.key(), "app.example.com", pebble.issuingRoot());

    CertInfo info = certificates.certificates().get(0);
    X509Certificate leaf = chain(first.chain()).get(0);
    assertThat(info.hosts()).containsExactly("app.example.com");
    assertThat(info.notAfter()).contains(leaf.getNotAfter().toInstant());
    assertThat(info.lastError()).isEmpty();
    Instant expiry = leaf.getNotAfter().toInstant();
    assertThat(info.nextAttempt()).as("a third of the lifetime before expiry")
        .isBetween(expiry.minus(Duration.ofDays(30)), expiry.minus(Duration.ofDays(29)));
    assertThat(challengeServer.challenges.isEmpty()).as("answers are removed once validated").isTrue();
  }

  @Test
  void keepsTheFolderReadableByItsOwnerOnlyAndEachFileToo() throws Exception {
    start("files.example.com");
    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 1);

    Path acme = state.resolve("acme");
    Path ca = ready.get(0).chain().getParent();
    assertThat(ca.getParent()).isEqualTo(acme);
    assertThat(mode(acme)).isEqualTo("rwx------");
    assertThat(mode(ca)).isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(ca)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted())
          .as("no temp file left").containsExactly("account.key", "files.example.com.crt", "files.example.com.key");
    }
    for (String file : List.of("account.key", "files.example.com.crt", "files.example.com.key")) {
      assertThat(mode(ca.resolve(file))).as(file).isEqualTo("rw-------");
    }
    assertThat(Files.readString(ca.resolve("files.example.com.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void aRestartWithTheFilesPresentServesThemWithoutOrderingAgain() throws Exception {
    start("restart.example.com");
    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 1);
    started.get(0).close();
    int visits = challengeServer.requests();
    String chain = Files.readString(ready.get(0).chain());

    AcmeCertificates again = create("restart.example.com");
    again.load();
    assertThat(ready).hasSize(2);
    assertThat(ready.get(1).serial()).isEqualTo(ready.get(0).serial());
    Duration wait = again.renewDue();

    assertThat(challengeServer.requests()).as("the CA validated nothing: no order").isEqualTo(visits);
    assertThat(Files.readString(ready.get(0).chain())).isEqualTo(chain);
    assertThat(ready).hasSize(2);
    assertThat(wait).isEqualTo(FAST.checkEvery());
  }

  @Test
  void renewsOnceTheClockPassesTheRenewalPointAndTellsTheListener() throws Exception {
    AcmeCertificates certificates = start("renew.example.com");
    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 1);
    String key = Files.readString(ready.get(0).key());

    clock.set(certificates.certificates().get(0).nextAttempt());

    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 2);
    Ready renewed = ready.get(1);
    assertThat(renewed.serial()).isNotEqualTo(ready.get(0).serial());
    assertThat(renewed.chain()).isEqualTo(ready.get(0).chain());
    assertThat(Files.readString(renewed.key())).as("the key is kept").isEqualTo(key);
    handshake(renewed.chain(), renewed.key(), "renew.example.com", pebble.issuingRoot());
    CertInfo info = certificates.certificates().get(0);
    assertThat(info.notAfter()).contains(chain(renewed.chain()).get(0).getNotAfter().toInstant());
    assertThat(info.nextAttempt()).as("never an order right after another").isAfterOrEqualTo(clock.instant().plus(FAST.firstRetry()));
  }

  @Test
  void aFailedOrderIsRetriedWithGrowingWaitsWhileTheOldCertificateKeepsServing() throws Exception {
    // a certificate past its renewal point on disk, and a challenge server that answers wrongly
    // (a fresh account: pebble cannot reuse an earlier proof of control)
    Instant t0 = clock.instant();
    TestCerts.KeyAndCert old = TestCerts.selfSigned(t0.minus(Duration.ofDays(80)), t0.plus(Duration.ofDays(10)), "retry.example.com");
    Path ca = state.resolve("acme").resolve(CertificateStore.folderName(pebble.directory()));
    PemFiles.ownerOnlyFolder(ca.getParent());
    PemFiles.ownerOnlyFolder(ca);
    PemFiles.write(ca.resolve("retry.example.com.crt"), PemFiles.certificates(List.of(old.cert())));
    PemFiles.write(ca.resolve("retry.example.com.key"), PemFiles.privateKey(old.key().getPrivate()));
    String oldChain = Files.readString(ca.resolve("retry.example.com.crt"));
    challengeServer.answerWrongly(true);

    AcmeCertificates certificates = start("retry.example.com");
    assertThat(ready).hasSize(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> certificates.certificates().get(0).lastError().isPresent());
    CertInfo failed = certificates.certificates().get(0);
    assertThat(failed.lastError().orElseThrow()).contains("retry.example.com", "http-01", "unauthorized");
    assertThat(failed.nextAttempt()).isEqualTo(t0.plus(Duration.ofMinutes(1)));
    assertThat(failed.notAfter()).contains(old.cert().getNotAfter().toInstant());

    clock.set(t0.plus(Duration.ofMinutes(1)));
    Instant secondRetry = t0.plus(Duration.ofMinutes(1 + 2));
    await().atMost(Duration.ofSeconds(20)).until(() -> certificates.certificates().get(0).nextAttempt().equals(secondRetry));
    assertThat(ready).as("the old certificate keeps serving").hasSize(1);
    assertThat(Files.readString(ca.resolve("retry.example.com.crt"))).isEqualTo(oldChain);

    challengeServer.answerWrongly(false);
    clock.set(secondRetry);
    await().atMost(Duration.ofSeconds(20)).until(() -> ready.size() == 2);
    assertThat(ready.get(1).serial()).isNotEqualTo(ready.get(0).serial());
    assertThat(certificates.certificates().get(0).lastError()).isEmpty();
    handshake(ready.get(1).chain(), ready.get(1).key(), "retry.example.com", pebble.issuingRoot());
  }

  @Test
  void aDirectoryThatIsNoAcmeServerIsNamedInTheError() throws Exception {
    AcmeSettings settings = AcmeSettings.of(pebble.management("/not-acme").toString(), null, state.resolve("acme"),
        List.of("nowhere.example.com")).withCaRoots(pebble.tlsCertificate()).withTiming(FAST);
    AcmeCertificates certificates = new AcmeCertificates(settings, challengeServer.challenges, this::record, clock);
    started.add(certificates);
    certificates.load();

    certificates.renewDue();

    CertInfo info = certificates.certificates().get(0);
    assertThat(info.lastError().orElseThrow()).isEqualTo("reading the ACME directory " + settings.directory() + " (expected: an ACME server's directory): HTTP 404");
    assertThat(info.nextAttempt()).isEqualTo(clock.instant().plus(FAST.firstRetry()));
    assertThat(ready).isEmpty();
  }

  private AcmeCertificates start(String host) {
    AcmeCertificates certificates = create(host);
    certificates.start();
    return certificates;
  }

  private AcmeCertificates create(String host) {
    AcmeSettings settings = AcmeSettings.of(pebble.directory().toString(), "admin@example.com", state.resolve("acme"), List.of(host))
        .withCaRoots(pebble.tlsCertificate())
        .withTiming(FAST);
    AcmeCertificates certificates = new AcmeCertificates(settings, challengeServer.challenges, this::record, clock);
    started.add(certificates);
    return certificates;
  }

  private void record(List<String> hosts, Path chain, Path key) {
    try {
      ready.add(new Ready(hosts, chain, key, chain(chain).get(0).getSerialNumber().toString(16)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<X509Certificate> chain(Path file) throws IOException {
    return PemFiles.parseCertificates(Files.readString(file));
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  /**
   * A TLS server with the files, loaded with the JDK alone as a proxy would, and a client that
   * trusts only pebble's root and checks the host name as a browser does.
   */
  private static void handshake(Path chainFile, Path keyFile, String host, X509Certificate root) throws Exception {
    String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----|\\s", "");
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("host", key, new char[0], chain(chainFile).toArray(new Certificate[0]));
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, new char[0]);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(keyManagers.getKeyManagers(), null, null);

    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
        try (SSLSocket socket = (SSLSocket) listener.accept()) {
          socket.startHandshake();
          socket.getOutputStream().write(42);
          socket.getOutputStream().flush();
          socket.getInputStream().read();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      try (Socket raw = new Socket(loopback, listener.getLocalPort());
          SSLSocket client = (SSLSocket) Pebble.trusting(root).getSocketFactory().createSocket(raw, host, listener.getLocalPort(), true)) {
        SSLParameters parameters = client.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        client.setSSLParameters(parameters);
        client.startHandshake();
        assertThat(client.getInputStream().read()).isEqualTo(42);
        client.getOutputStream().write(1);
        assertThat(((X509Certificate) client.getSession().getPeerCertificates()[0]).getSubjectAlternativeNames())
            .contains(List.of(2, host));
      }
      served.get(10, TimeUnit.SECONDS);
    }
  }
}
