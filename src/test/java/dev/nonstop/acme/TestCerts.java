package dev.nonstop.acme;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed certificates for tests: pebble's own TLS certificate, and certificates with chosen dates. */
final class TestCerts {
  private TestCerts() {}

  record KeyAndCert(KeyPair key, X509Certificate cert) {}

  /** {@code names} are DNS names, or IP addresses when they start with a digit. */
  static KeyAndCert selfSigned(Instant notBefore, Instant notAfter, String... names) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    GeneralName[] alternatives = new GeneralName[names.length];
    for (int i = 0; i < names.length; i++) {
      boolean ip = Character.isDigit(names[i].charAt(0));
      alternatives[i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, names[i]);
    }
    X500Name subject = new X500Name("CN=" + names[0]);
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(System.nanoTime()),
        Date.from(notBefore), Date.from(notAfter), subject, key.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    return new KeyAndCert(key, cert);
  }
}
