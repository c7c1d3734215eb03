package dev.nonstop.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for tests, made with BouncyCastle (which acme4j brings): self-signed ones with
 * chosen dates, and a test certificate authority whose certificates are written as PEM files in a
 * folder of the test's, what a user gets from their own CA or from Let's Encrypt. Clients trust
 * the authority through {@link #sslContext()}.
 */
public final class TestCerts {
  public record KeyAndCert(KeyPair key, X509Certificate cert) {}

  public final Path dir;
  public final Path caCert;
  private final KeyAndCert ca;
  private long serial = 1;

  public TestCerts(Path dir) throws Exception {
    this.dir = dir;
    Instant now = Instant.now();
    this.ca = make(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), null,
        BigInteger.ONE, "Nonstop Test CA");
    this.caCert = dir.resolve("ca.pem");
    Files.writeString(caCert, pem("CERTIFICATE", ca.cert.getEncoded()));
  }

  /** {@code names} are DNS names, or IP addresses when they start with a digit. */
  public static KeyAndCert selfSigned(Instant notBefore, Instant notAfter, String... names)
      throws Exception {
    return make(notBefore, notAfter, null, BigInteger.valueOf(System.nanoTime()), names);
  }

  /** A certificate for {@code names} (DNS names, wildcards allowed), signed by the authority. */
  public Certificates.Source issue(String file, String... names) throws Exception {
    Instant now = Instant.now();
    KeyAndCert made = make(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), ca,
        BigInteger.valueOf(++serial), names);
    Path cert = dir.resolve(file + ".pem");
    Path key = dir.resolve(file + ".key");
    Files.writeString(cert, pem("CERTIFICATE", made.cert.getEncoded()));
    Files.writeString(key, pem("PRIVATE KEY", made.key.getPrivate().getEncoded()));
    return new Certificates.Source(cert, key);
  }

  /**
   * Replaces {@code into}'s files with a new certificate for {@code names}, each file by an atomic
   * rename, as a careful renewal script does.
   */
  public Certificates.Source renew(Certificates.Source into, String... names) throws Exception {
    Certificates.Source fresh = issue("renewed-" + serial, names);
    Files.move(fresh.key(), into.key(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(fresh.cert(), into.cert(), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    return into;
  }

  /** The serial number of the certificate in {@code pem}. */
  public static BigInteger serial(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
          .getSerialNumber();
    }
  }

  /** A client context that trusts this authority only. */
  public SSLContext sslContext() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca.cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** A P-256 key and its certificate, signed by {@code issuer}, or by itself when null. */
  private static KeyAndCert make(Instant notBefore, Instant notAfter, KeyAndCert issuer,
      BigInteger serial, String... names) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    X500Name subject = new X500Name("CN=" + names[0]);
    X500Name issuerName = issuer == null ? subject
        : new X500Name(issuer.cert.getSubjectX500Principal().getName());
    PrivateKey signer = issuer == null ? key.getPrivate() : issuer.key.getPrivate();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, serial,
        Date.from(notBefore), Date.from(notAfter), subject, key.getPublic());
    if (names[0].contains(" ")) { // an authority's name
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    } else {
      GeneralName[] alternatives = new GeneralName[names.length];
      for (int i = 0; i < names.length; i++) {
        boolean ip = Character.isDigit(names[i].charAt(0));
        alternatives[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName,
            names[i]);
      }
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
    }
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    return new KeyAndCert(key, cert);
  }

  private static String pem(String type, byte[] der) throws IOException {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
