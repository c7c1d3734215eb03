package dev.nonstop.acme;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one CA, in a folder of their own under the settings' folder (so that certificates
 * from a staging CA are never served once the directory points at the real one):
 *
 * <pre>
 * acme/                            0700
 *   acme-v02.api.letsencrypt.org-directory/   0700
 *     account.key                  0600  the ACME account's key pair
 *     app.example.com.key          0600  the host's private key, PKCS#8, kept across renewals
 *     app.example.com.crt          0600  its certificate chain, the host's certificate first
 * </pre>
 *
 * A renewal replaces only the {@code .crt} file, in one rename, so the key and the chain on disk
 * always belong together. Used by the certificates' thread, and by {@link AcmeCertificates#start()}
 * before that thread runs.
 */
final class CertificateStore {
  private static final Logger log = LoggerFactory.getLogger(CertificateStore.class);

  private final Path root;
  private final Path dir;

  CertificateStore(Path folder, URI directory) {
    this.root = folder.toAbsolutePath().normalize();
    this.dir = root.resolve(folderName(directory));
  }

  /** {@code acme-v02.api.letsencrypt.org-directory}, {@code 127.0.0.1-14000-dir}, {@code letsencrypt.org-staging}. */
  static String folderName(URI directory) {
    String host = directory.getHost() == null ? "ca" : directory.getHost();
    String port = directory.getPort() < 0 ? "" : "-" + directory.getPort();
    String path = directory.getPath() == null ? "" : directory.getPath();
    String name = (host + port + path).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
    return name.replaceAll("^[-.]+|-+$", "");
  }

  Path dir() {
    return dir;
  }

  Path chainFile(String host) {
    return dir.resolve(host + ".crt");
  }

  Path keyFile(String host) {
    return dir.resolve(host + ".key");
  }

  void create() throws IOException {
    PemFiles.ownerOnlyFolder(root);
    PemFiles.ownerOnlyFolder(dir);
  }

  /** The account's key pair, made on first use. */
  KeyPair accountKey() throws IOException {
    Path file = dir.resolve("account.key");
    if (Files.exists(file)) {
      try {
        return PemFiles.parseKeyPair(PemFiles.read(file));
      } catch (IOException e) {
        throw new IOException("ACME account key " + file + " cannot be read (" + e.getMessage()
            + "); move it away to register a new account", e);
      }
    }
    KeyPair key = newKey();
    PemFiles.write(file, PemFiles.keyPair(key));
    log.info("new ACME account key in {}", file);
    return key;
  }

  /**
   * The certificate on disk for {@code host} with its key, or empty when there is none, or none
   * worth serving (unreadable, for other names, or not matching the key: it is ordered anew).
   */
  Optional<Issued> load(String host) {
    Path chainFile = chainFile(host);
    Path keyFile = keyFile(host);
    if (!Files.exists(chainFile) || !Files.exists(keyFile)) {
      return Optional.empty();
    }
    try {
      List<X509Certificate> chain = PemFiles.parseCertificates(PemFiles.read(chainFile));
      KeyPair key = new KeyPair(chain.get(0).getPublicKey(), PemFiles.parsePrivateKey(PemFiles.read(keyFile)));
      Issued issued = new Issued(chain, key);
      if (!issued.covers(host)) {
        log.warn("certificate {} does not name {}: a new one will be ordered", chainFile, host);
        return Optional.empty();
      }
      if (!issued.keyMatches()) {
        log.warn("certificate {} was not issued for the key in {}: a new one will be ordered", chainFile, keyFile);
        return Optional.empty();
      }
      return Optional.of(issued);
    } catch (IOException | RuntimeException e) {
      log.warn("certificate {} or key {} cannot be read ({}): a new one will be ordered", chainFile, keyFile, e.getMessage());
      return Optional.empty();
    }
  }

  /** A new key for {@code host}, written before it is ordered: only used while it has no certificate. */
  KeyPair newDomainKey(String host) throws IOException {
    KeyPair key = newKey();
    PemFiles.write(keyFile(host), PemFiles.privateKey(key.getPrivate()));
    return key;
  }

  void saveChain(String host, List<X509Certificate> chain) throws IOException {
    PemFiles.write(chainFile(host), PemFiles.certificates(chain));
  }

  /** ECDSA P-256: what browsers and CAs expect today, and small and fast in handshakes. */
  private static KeyPair newKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
      throw new IllegalStateException("this JDK cannot make P-256 keys", e);
    }
  }
}
