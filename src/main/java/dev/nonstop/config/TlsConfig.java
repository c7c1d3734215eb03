package dev.nonstop.config;

import dev.nonstop.acme.AcmeSettings;
import dev.nonstop.config.YamlTree.Mapping;
import dev.nonstop.config.YamlTree.Node;
import dev.nonstop.config.YamlTree.Scalar;
import dev.nonstop.config.YamlTree.Sequence;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code tls:} section: the listener speaks TLS (HTTP/2 and HTTP/1.1 by ALPN) with the
 * certificate files given, or with certificates obtained by ACME, or both.
 *
 * <pre>
 * tls:
 *   certificates:                  # chosen by the name a client asks for (SNI); the first is the default
 *     - { cert: /etc/ssl/example.pem, key: /etc/ssl/example.key }
 *   http2: true                    # offered by ALPN (default)
 *   redirect-http: 0.0.0.0:80      # a plain listener: 308 to https, and ACME's HTTP-01 answers
 *   acme:
 *     email: ops@example.com
 *     directory: https://acme-v02.api.letsencrypt.org/directory
 *     hosts: [example.com, www.example.com]
 *     ca-roots: /etc/ssl/private-ca.pem   # only for a private ACME server
 * </pre>
 *
 * @param certificates files given, in order; may be empty when ACME provides them
 * @param http2 ALPN offers h2
 * @param redirectHttp the plain listener that redirects to HTTPS and answers ACME challenges, or
 *     null
 * @param acme the ACME account and names, or null
 */
public record TlsConfig(List<CertFiles> certificates, boolean http2, InetSocketAddress redirectHttp,
    Acme acme) {
  static final List<String> KEYS = List.of("certificates", "cert", "key", "http2", "redirect-http",
      "acme");
  static final List<String> CERT_KEYS = List.of("cert", "key");
  static final List<String> ACME_KEYS = List.of("email", "directory", "hosts", "ca-roots");

  /** A certificate chain and its key, PEM. */
  public record CertFiles(Path cert, Path key) {}

  /**
   * ACME: certificates for {@code hosts}, obtained with HTTP-01 answered on {@code redirectHttp}.
   *
   * @param email the account's contact, or null
   * @param caRoots a PEM file of the roots that the ACME server's own HTTPS is checked against
   *     (a private CA's), or null: the JDK's trusted roots
   */
  public record Acme(String email, URI directory, List<String> hosts, Path caRoots) {}

  /**
   * The section, or null when the file has none.
   *
   * @param hostsFromApps {@code acme.hosts} may be left out: the apps' host names are taken (an
   *     Acme with no hosts, which the caller fills in)
   */
  static TlsConfig read(Section top, Path folder, boolean hostsFromApps) {
    Section tls = top.section("tls");
    if (tls == null) {
      return null;
    }
    tls.allowOnly(KEYS);
    List<CertFiles> files = new ArrayList<>();
    if (tls.node("cert") != null || tls.node("key") != null) {
      if (tls.node("certificates") != null) {
        throw tls.wrong("cert", tls.node("cert"), "either cert and key, or a certificates list, "
            + "not both");
      }
      files.add(certFiles(tls, folder));
    }
    Node list = tls.node("certificates");
    if (list != null) {
      if (!(list instanceof Sequence seq) || seq.items().isEmpty()) {
        throw tls.wrong("certificates", list, "a list of '- { cert: FILE, key: FILE }'");
      }
      for (int i = 0; i < seq.items().size(); i++) {
        Node item = seq.items().get(i);
        if (!(item instanceof Mapping m)) {
          throw Section.error(tls.file(), item.at(), "tls.certificates[" + i + "]: "
              + Section.describe(item) + " (expected: a mapping '{ cert: FILE, key: FILE }')");
        }
        Section one = new Section(tls.file(), "tls.certificates[" + i + "].", m);
        one.allowOnly(CERT_KEYS);
        files.add(certFiles(one, folder));
      }
    }
    Acme acme = acme(tls, folder, hostsFromApps);
    InetSocketAddress redirect = tls.address("redirect-http", false);
    if (files.isEmpty() && acme == null) {
      throw tls.missing("certificates", "certificate files (cert and key, or a certificates list), "
          + "or an acme section, or both");
    }
    if (acme != null && redirect == null) {
      throw tls.missing("redirect-http", "a plain-HTTP listener such as 0.0.0.0:80 with acme: the "
          + "certificate authority checks the names there (HTTP-01)");
    }
    boolean http2 = tls.parsed("http2", Boolean.TRUE, "true or false", ConfigLoader::bool);
    return new TlsConfig(List.copyOf(files), http2, redirect, acme);
  }

  private static CertFiles certFiles(Section s, Path folder) {
    String cert = s.text("cert", null, "the path of a PEM certificate chain, e.g. /etc/ssl/site.pem");
    String key = s.text("key", null, "the path of its PEM private key, e.g. /etc/ssl/site.key");
    return new CertFiles(folder.resolve(cert).normalize(), folder.resolve(key).normalize());
  }

  private static Acme acme(Section tls, Path folder, boolean hostsFromApps) {
    Section a = tls.section("acme");
    if (a == null) {
      return null;
    }
    a.allowOnly(ACME_KEYS);
    Node emailNode = a.node("email");
    String email = emailNode == null ? null
        : a.parsed("email", null, "an e-mail address, e.g. ops@example.com", AcmeSettings::checkEmail);
    URI directory = a.parsed("directory", AcmeSettings.LETS_ENCRYPT,
        "the https URL of an ACME directory, e.g. " + AcmeSettings.LETS_ENCRYPT,
        AcmeSettings::parseDirectory);
    Node hostsNode = a.node("hosts");
    String expected = "a list of host names, e.g. [example.com, www.example.com]";
    if (hostsNode == null && hostsFromApps) {
      return new Acme(email, directory, List.of(), roots(a, folder));
    }
    if (hostsNode == null) {
      throw a.missing("hosts", expected);
    }
    if (!(hostsNode instanceof Sequence seq) || seq.items().isEmpty()) {
      throw a.wrong("hosts", hostsNode, expected);
    }
    List<String> hosts = new ArrayList<>();
    for (Node n : seq.items()) {
      if (!(n instanceof Scalar s)) {
        throw Section.error(a.file(), n.at(), "tls.acme.hosts: " + Section.describe(n) + " ("
            + "expected: a host name such as www.example.com)");
      }
      try {
        hosts.add(AcmeSettings.checkHost(s.text()));
      } catch (IllegalArgumentException e) {
        throw Section.error(a.file(), n.at(), "tls.acme." + e.getMessage());
      }
    }
    return new Acme(email, directory, List.copyOf(hosts), roots(a, folder));
  }

  private static Path roots(Section a, Path folder) {
    return a.node("ca-roots") == null ? null : folder.resolve(
        a.text("ca-roots", null, "the path of a PEM file of CA certificates")).normalize();
  }

  /** The same section with ACME's host names set (taken from the apps). */
  TlsConfig withAcmeHosts(List<String> hosts) {
    return new TlsConfig(certificates, http2, redirectHttp,
        new Acme(acme.email(), acme.directory(), List.copyOf(hosts), acme.caRoots()));
  }
}
