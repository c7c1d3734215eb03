package dev.nonstop.acme;

import dev.nonstop.proxy.TestCerts;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's pebble (Let's Encrypt's test CA) on free ports, with pebble-challtestsrv as its DNS
 * server answering 127.0.0.1 for every name, so that any host name can be ordered and pebble
 * validates it against the test's challenge server on 127.0.0.1. The package ships no TLS
 * certificate for pebble's own https listener: a self-signed one is made here and is what the
 * tests give acme4j as {@code caRoots}.
 */
public final class Pebble implements AutoCloseable {
  public static final String SKIPPED = "pebble or pebble-challtestsrv is not installed (scripts/install-test-tools.sh installs them): skipped";

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient https;
  private int acmePort;
  private int managementPort;

  private Pebble(Path dir) throws Exception {
    this.dir = dir;
    Instant now = Instant.now();
    TestCerts.KeyAndCert tls = TestCerts.selfSigned(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), "127.0.0.1", "localhost");
    PemFiles.write(tlsCertificate(), PemFiles.certificates(List.of(tls.cert())));
    PemFiles.write(dir.resolve("pebble.key"), PemFiles.privateKey(tls.key().getPrivate()));
    this.https = HttpClient.newBuilder().sslContext(trusting(tls.cert())).connectTimeout(Duration.ofSeconds(2)).build();
  }

  public static boolean installed() {
    return onPath("pebble") && onPath("pebble-challtestsrv");
  }

  /**
   * Starts pebble, validating HTTP-01 challenges on {@code challengePort} and issuing
   * certificates valid for {@code validity}.
   */
  public static Pebble start(Path dir, int challengePort, Duration validity) throws Exception {
    Pebble pebble = new Pebble(dir);
    try {
      pebble.run(challengePort, validity);
      return pebble;
    } catch (Exception | AssertionError e) {
      pebble.close();
      throw e;
    }
  }

  private void run(int challengePort, Duration validity) throws Exception {
    int dnsPort = freeUdpAndTcpPort();
    processes.add(spawn("challtestsrv", List.of("pebble-challtestsrv", "-defaultIPv6", "", "-dns01", "127.0.0.1:" + dnsPort,
        "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + freeTcpPort())));
    acmePort = freeTcpPort();
    managementPort = freeTcpPort();
    Path config = dir.resolve("pebble-config.json");
    Files.writeString(config, """
        {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
          "ocspResponderURL": "", "externalAccountBindingRequired": false, "certificateValidityPeriod": %d}}
        """.formatted(acmePort, managementPort, tlsCertificate(), dir.resolve("pebble.key"), challengePort, freeTcpPort(),
        validity.toSeconds()));
    processes.add(spawn("pebble", List.of("pebble", "-config", config.toString(), "-dnsserver", "127.0.0.1:" + dnsPort)));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new AssertionError(p.info().command().orElse("?") + " exited: " + logs());
        }
      }
      return get(directory()).statusCode() == 200;
    });
  }

  public URI directory() {
    return URI.create("https://127.0.0.1:" + acmePort + "/dir");
  }

  URI management(String path) {
    return URI.create("https://127.0.0.1:" + managementPort + path);
  }

  /** Pebble's own TLS certificate, PEM: what acme4j must trust. */
  public Path tlsCertificate() {
    return dir.resolve("pebble.crt");
  }

  /** The root pebble issues under; it makes a new one each start. */
  public X509Certificate issuingRoot() throws Exception {
    HttpResponse<String> response = get(management("/roots/0"));
    if (response.statusCode() != 200) {
      throw new AssertionError("pebble /roots/0: " + response.statusCode());
    }
    return PemFiles.parseCertificates(response.body()).get(0);
  }

  String logs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        all.append("\n--- ").append(log.getFileName()).append('\n').append(Files.readString(log));
      }
    }
    return all.toString();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return https.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Process spawn(String name, List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("PEBBLE_VA_NOSLEEP", "1"); // validate at once, not after up to 15 s
    builder.environment().put("PEBBLE_WFE_NONCEREJECT", "0"); // no random badNonce errors
    builder.environment().put("PEBBLE_AUTHZREUSE", "0"); // fewer orders skip validation (pebble still reuses a valid proof 1 time in 100)
    return builder.start();
  }

  public static SSLContext trusting(X509Certificate root) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("root", root);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }

  private static int freeTcpPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The DNS server listens on both. */
  private static int freeUdpAndTcpPort() throws IOException {
    for (int i = 0; i < 20; i++) {
      try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
          ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
        return udp.getLocalPort();
      } catch (IOException taken) {
        // the TCP side is in use: try another
      }
    }
    throw new IOException("no port free for both UDP and TCP on 127.0.0.1");
  }
}
