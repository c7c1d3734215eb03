package dev.nonstop.acme;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * An https ACME directory whose own TLS certificate is checked against roots from a PEM file
 * instead of the JDK's: a private CA (step-ca, a company's own) or a test CA (pebble).
 */
final class TrustedRootsProvider extends GenericAcmeProvider {
  private final SSLContext ssl;

  TrustedRootsProvider(Path rootsPem) throws IOException {
    this.ssl = sslContext(rootsPem);
  }

  @Override
  protected HttpConnector createHttpConnector(NetworkSettings settings) {
    return new HttpConnector(settings) {
      @Override
      public HttpClient.Builder createClientBuilder() {
        return super.createClientBuilder().sslContext(ssl);
      }
    };
  }

  private static SSLContext sslContext(Path rootsPem) throws IOException {
    try (InputStream in = Files.newInputStream(rootsPem)) {
      KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
      roots.load(null, null);
      int n = 0;
      for (Certificate root : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        roots.setCertificateEntry("root-" + n++, root);
      }
      if (n == 0) {
        throw new IOException("caRoots: " + rootsPem + " holds no certificate (expected: PEM certificates)");
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(roots);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("caRoots: " + rootsPem + " cannot be used (expected: PEM certificates): " + e.getMessage(), e);
    }
  }
}
