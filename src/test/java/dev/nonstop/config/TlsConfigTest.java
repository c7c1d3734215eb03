package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code tls:} section and {@code h2c}: what they set, and what a mistake is told. */
class TlsConfigTest {
  @TempDir Path dir;

  private static final String BASE = """
      app: hello
      listen: 127.0.0.1:8443
      run: java -jar hello.jar --port={port}
      """;

  private AppConfig parse(String yaml) {
    return ConfigLoader.parse(BASE + yaml, dir.resolve("nonstop.yml"));
  }

  @Test
  void withoutTlsTheListenerIsPlain() {
    AppConfig c = parse("");
    assertThat(c.tls()).isNull();
    assertThat(c.h2c()).isFalse();
    assertThat(parse("h2c: true\n").h2c()).isTrue();
  }

  @Test
  void oneCertificateWithItsKeyRelativeToTheFile() {
    TlsConfig t = parse("tls: { cert: certs/site.pem, key: certs/site.key }\n").tls();
    assertThat(t.certificates()).containsExactly(new TlsConfig.CertFiles(
        dir.resolve("certs/site.pem"), dir.resolve("certs/site.key")));
    assertThat(t.http2()).isTrue();
    assertThat(t.redirectHttp()).isNull();
    assertThat(t.acme()).isNull();
  }

  @Test
  void severalCertificatesAcmeAndTheRedirectListener() {
    TlsConfig t = parse("""
        tls:
          certificates:
            - { cert: /etc/ssl/a.pem, key: /etc/ssl/a.key }
            - { cert: /etc/ssl/b.pem, key: /etc/ssl/b.key }
          http2: false
          redirect-http: 0.0.0.0:8080
          acme:
            email: ops@example.com
            hosts: [Example.com, www.example.com]
        """).tls();
    assertThat(t.certificates()).hasSize(2);
    assertThat(t.http2()).isFalse();
    assertThat(t.redirectHttp().getPort()).isEqualTo(8080);
    assertThat(t.acme().hosts()).containsExactly("example.com", "www.example.com");
    assertThat(t.acme().directory())
        .isEqualTo(URI.create("https://acme-v02.api.letsencrypt.org/directory"));
    assertThat(t.acme().email()).isEqualTo("ops@example.com");
    assertThat(t.acme().caRoots()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "tls: {}|missing key 'tls.certificates' (expected: certificate files",
      "tls: { cert: a.pem }|missing key 'tls.key' (expected: the path of its PEM private key",
      "tls: { certificates: a.pem }|expected: a list of '- { cert: FILE, key: FILE }'",
      "tls: { certificates: [ a.pem ] }|expected: a mapping '{ cert: FILE, key: FILE }'",
      "tls: { certificates: [ { cert: a, key: b, chain: c } ] }|chain",
      "tls: { cert: a, key: b, certificates: [ { cert: a, key: b } ] }|either cert and key, or a certificates list",
      "tls: { cert: a, key: b, http2: maybe }|tls.http2: maybe (expected: true or false",
      "tls: { acme: { hosts: [a.example] } }|missing key 'tls.redirect-http' (expected: a plain-HTTP listener",
      "tls: { redirect-http: '0.0.0.0:80', acme: { hosts: ['*.example.com'] } }|no wildcard, as HTTP-01 cannot prove one",
      "tls: { redirect-http: '0.0.0.0:80', acme: { hosts: [] } }|expected: a list of host names",
      "tls: { redirect-http: '0.0.0.0:80', acme: { hosts: [a.example], email: nobody } }|expected: an e-mail address",
      "tls: { redirect-http: '0.0.0.0:80', acme: { hosts: [a.example], directory: 'http://ca.example/dir' } }|expected: the https URL of an ACME directory",
      "tls: { cert: a, key: b, redirect-http: '127.0.0.1:8443' }|a port other than listen's and admin's",
      "tls: { cert: a, key: b }\\nh2c: true|no h2c with tls"
  })
  void mistakesSayWhatWasExpected(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml.replace("\\n", "\n") + "\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }
}
