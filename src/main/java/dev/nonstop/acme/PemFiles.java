package dev.nonstop.acme;

import dev.nonstop.state.StateStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEM files readable by their owner only: folders 0700, files 0600 from the moment they exist,
 * each written whole (temp file, fsync, rename) so that a reader or a crash sees the old content
 * or the new, never a mix. Wider modes found on disk are narrowed, with a warning.
 */
final class PemFiles {
  private static final Logger log = LoggerFactory.getLogger(PemFiles.class);
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PemFiles() {}

  /** Creates {@code dir} (and its parents) mode 0700, or narrows an existing one to 0700. */
  static void ownerOnlyFolder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      Files.createDirectories(dir, attributes(FOLDER));
    }
    narrow(dir, FOLDER);
  }

  /** Replaces {@code file} with {@code text} at once (see {@link StateStore#replace}), mode 0600. */
  static void write(Path file, String text) throws IOException {
    StateStore.replace(file, text.getBytes(StandardCharsets.US_ASCII), attributes(FILE));
  }

  /** Reads {@code file}, first narrowing it to 0600 if others may read it. */
  static String read(Path file) throws IOException {
    narrow(file, FILE);
    return Files.readString(file, StandardCharsets.US_ASCII);
  }

  static String certificates(List<X509Certificate> chain) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      for (X509Certificate cert : chain) {
        pem.writeObject(cert);
      }
    }
    return out.toString();
  }

  static List<X509Certificate> parseCertificates(String pem) throws IOException {
    try {
      List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).stream()
          .map(X509Certificate.class::cast)
          .toList();
      if (chain.isEmpty()) {
        throw new IOException("no certificate in it");
      }
      return chain;
    } catch (CertificateException e) {
      throw new IOException("not a PEM certificate chain: " + e.getMessage(), e);
    }
  }

  /** PKCS#8 ("BEGIN PRIVATE KEY"), the form every TLS stack reads, the JDK's included. */
  static String privateKey(PrivateKey key) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(new JcaPKCS8Generator(key, null));
    }
    return out.toString();
  }

  /**
   * A key pair as two blocks, the private key (PKCS#8) and the public key: the JDK's EC private
   * keys do not carry their public key, so it could not be read back from the first alone.
   */
  static String keyPair(KeyPair pair) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
      pem.writeObject(pair.getPublic());
    }
    return out.toString();
  }

  static KeyPair parseKeyPair(String pem) throws IOException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey privateKey = null;
    PublicKey publicKey = null;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PrivateKeyInfo info) {
          privateKey = converter.getPrivateKey(info);
        } else if (object instanceof SubjectPublicKeyInfo info) {
          publicKey = converter.getPublicKey(info);
        } else if (object instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair);
        }
      }
    }
    if (privateKey == null || publicKey == null) {
      throw new IOException("expected a private key and its public key");
    }
    return new KeyPair(publicKey, privateKey);
  }

  /** A private key in PKCS#8 or in OpenSSL's older EC and RSA forms. */
  static PrivateKey parsePrivateKey(String pem) throws IOException {
    Object object;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      object = parser.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (object instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    if (object instanceof PEMKeyPair pair) {
      return converter.getKeyPair(pair).getPrivate();
    }
    throw new IOException("no unencrypted private key in it");
  }

  private static FileAttribute<?>[] attributes(Set<PosixFilePermission> perms) {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)} : new FileAttribute<?>[0];
  }

  private static void narrow(Path path, Set<PosixFilePermission> wanted) throws IOException {
    if (!POSIX) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    if (!wanted.containsAll(perms)) {
      log.warn("{} was open to others ({}); set to {}", path, PosixFilePermissions.toString(perms), PosixFilePermissions.toString(wanted));
      Files.setPosixFilePermissions(path, wanted);
    }
  }
}
