package dev.nonstop.acme;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;

/**
 * A certificate chain (the host's certificate first) with the key pair of its first certificate.
 *
 * @param chain as the CA sent it
 * @param key the private key kept in the key file, and the public key it certifies
 */
record Issued(List<X509Certificate> chain, KeyPair key) {
  /** The most a renewal starts before expiry, whatever the lifetime. */
  static final Duration MAX_RENEW_BEFORE = Duration.ofDays(30);

  Issued {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("chain: empty (expected: at least the host's certificate)");
    }
  }

  X509Certificate leaf() {
    return chain.get(0);
  }

  Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /**
   * When to order the next one: once less than a third of the lifetime is left (Let's Encrypt's
   * advice for its 90-day certificates: renew at 60 days), but no earlier than 30 days before
   * expiry, so a long-lived certificate is not renewed years early.
   */
  Instant renewAt() {
    Duration lifetime = Duration.between(notBefore(), notAfter());
    Duration third = lifetime.dividedBy(3);
    Instant renewAt = notAfter().minus(third.compareTo(MAX_RENEW_BEFORE) < 0 ? third : MAX_RENEW_BEFORE);
    return renewAt.truncatedTo(ChronoUnit.SECONDS);
  }

  String serial() {
    return leaf().getSerialNumber().toString(16);
  }

  /** Whether the certificate names {@code host} exactly among its DNS names. */
  boolean covers(String host) {
    try {
      Collection<List<?>> names = leaf().getSubjectAlternativeNames();
      if (names == null) {
        return false;
      }
      for (List<?> name : names) {
        // 2 = dNSName (RFC 5280 4.2.1.6)
        if (Integer.valueOf(2).equals(name.get(0)) && host.equalsIgnoreCase(String.valueOf(name.get(1)))) {
          return true;
        }
      }
      return false;
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** Whether the private key is the one the certificate was issued for (files edited by hand, or mixed up). */
  boolean keyMatches() {
    String algorithm = switch (key.getPrivate().getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null) {
      return false;
    }
    try {
      byte[] probe = "nonstop".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key.getPrivate());
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf().getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
