package dev.nonstop.acme;

import dev.nonstop.proxy.TestCerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
  private static final Instant NOW = Instant.now();

  @TempDir Path state;
  private CertificateStore store;

  @BeforeEach
  void create() throws Exception {
    store = new CertificateStore(state.resolve("acme"), URI.create("https://acme-v02.api.letsencrypt.org/directory"));
    store.create();
  }

  private TestCerts.KeyAndCert write(String host, String... names) throws Exception {
    TestCerts.KeyAndCert made = TestCerts.selfSigned(NOW, NOW.plus(Duration.ofDays(90)), names);
    PemFiles.write(store.chainFile(host), PemFiles.certificates(List.of(made.cert())));
    PemFiles.write(store.keyFile(host), PemFiles.privateKey(made.key().getPrivate()));
    return made;
  }

  @Test
  void keepsEachCaInAFolderOfItsOwn() {
    assertThat(store.dir()).isEqualTo(state.resolve("acme/acme-v02.api.letsencrypt.org-directory"));
    assertThat(CertificateStore.folderName(URI.create("https://127.0.0.1:14000/dir"))).isEqualTo("127.0.0.1-14000-dir");
    assertThat(CertificateStore.folderName(URI.create("acme://letsencrypt.org/staging"))).isEqualTo("letsencrypt.org-staging");
  }

  @Test
  void loadsACertificateWithItsKey() throws Exception {
    TestCerts.KeyAndCert made = write("app.example.com", "app.example.com");
    Issued loaded = store.load("app.example.com").orElseThrow();
    assertThat(loaded.leaf()).isEqualTo(made.cert());
    assertThat(loaded.key().getPrivate()).isEqualTo(made.key().getPrivate());
  }

  @Test
  void ignoresACertificateForOtherNamesOrAnotherKeyOrUnreadable() throws Exception {
    write("other.example.com", "www.example.com");
    assertThat(store.load("other.example.com")).isEmpty();

    write("swapped.example.com", "swapped.example.com");
    TestCerts.KeyAndCert stranger = TestCerts.selfSigned(NOW, NOW.plus(Duration.ofDays(1)), "swapped.example.com");
    PemFiles.write(store.keyFile("swapped.example.com"), PemFiles.privateKey(stranger.key().getPrivate()));
    assertThat(store.load("swapped.example.com")).isEmpty();

    PemFiles.write(store.chainFile("garbage.example.com"), "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
    PemFiles.write(store.keyFile("garbage.example.com"), "nope");
    assertThat(store.load("garbage.example.com")).isEmpty();

    assertThat(store.load("missing.example.com")).isEmpty();
  }

  @Test
  void narrowsFilesAndFoldersOthersCouldRead() throws Exception {
    write("app.example.com", "app.example.com");
    Files.setPosixFilePermissions(store.keyFile("app.example.com"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(store.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));

    store.create();
    assertThat(store.load("app.example.com")).isPresent();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.keyFile("app.example.com")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir()))).isEqualTo("rwx------");
  }

  @Test
  void keepsTheAccountKeyAcrossRestarts() throws Exception {
    var key = store.accountKey();
    var again = new CertificateStore(state.resolve("acme"), URI.create("https://acme-v02.api.letsencrypt.org/directory")).accountKey();
    assertThat(again.getPublic()).isEqualTo(key.getPublic());
    assertThat(again.getPrivate()).isEqualTo(key.getPrivate());
  }
}
