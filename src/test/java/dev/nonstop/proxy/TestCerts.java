package dev.nonstop.proxy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test certificate authority and certificates it signs, made with the {@code openssl} command
 * in a folder of the test's: what a user gets from their own CA or from Let's Encrypt, as PEM
 * files. Clients trust the authority through {@link #sslContext()}.
 */
public final class TestCerts {
  public final Path dir;
  public final Path caCert;
  private final Path caKey;
  private int serial = 1;

  public TestCerts(Path dir) throws IOException, InterruptedException {
    assumeTrue(available(), "openssl is not installed (apt-get install openssl)");
    this.dir = dir;
    this.caCert = dir.resolve("ca.pem");
    this.caKey = dir.resolve("ca.key");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", caKey.toString(), "-out", caCert.toString(), "-days", "30",
        "-subj", "/CN=Nonstop Test CA");
  }

  static boolean available() {
    try {
      return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** A certificate for {@code names} (DNS names, wildcards allowed), signed by the authority. */
  public Certificates.Source issue(String file, String... names) throws IOException, InterruptedException {
    Path key = dir.resolve(file + ".key");
    Path csr = dir.resolve(file + ".csr");
    Path cert = dir.resolve(file + ".pem");
    Path ext = dir.resolve(file + ".ext");
    List<String> dns = new ArrayList<>();
    for (String n : names) {
      dns.add("DNS:" + n);
    }
    Files.writeString(ext, "subjectAltName=" + String.join(",", dns) + "\n");
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + names[0]);
    openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey",
        caKey.toString(), "-set_serial", Integer.toString(serial++), "-days", "30", "-out",
        cert.toString(), "-extfile", ext.toString());
    return new Certificates.Source(cert, key);
  }

  /**
   * Replaces {@code into}'s files with a new certificate for {@code names}, each file by an atomic
   * rename, as a careful renewal script does.
   */
  public Certificates.Source renew(Certificates.Source into, String... names)
      throws IOException, InterruptedException {
    Certificates.Source fresh = issue("renewed-" + serial, names);
    Files.move(fresh.key(), into.key(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(fresh.cert(), into.cert(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    return into;
  }

  /** The serial number of the certificate in {@code pem}. */
  public static java.math.BigInteger serial(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  /** A client context that trusts this authority only. */
  public SSLContext sslContext() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caCert)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }
}
