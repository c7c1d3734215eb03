package dev.nonstop.daemon;

import dev.nonstop.acme.AcmeCertificates;
import dev.nonstop.acme.AcmeSettings;
import dev.nonstop.acme.CertInfo;
import dev.nonstop.acme.Http01Challenges;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.TlsConfig;
import dev.nonstop.proxy.Certificates;
import dev.nonstop.proxy.FrontDoor;
import dev.nonstop.proxy.Proxy;
import dev.nonstop.proxy.RedirectServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's TLS: the certificates of {@code tls:} (files, and those ACME obtains), the
 * plain-HTTP listener that redirects to HTTPS and answers ACME's challenges, and what status and
 * metrics show of the certificates. Without {@code tls:}, only the front door (plain, or h2c).
 */
final class TlsSetup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsSetup.class);

  /** One certificate as status shows it. */
  record Cert(List<String> names, Instant notAfter, String source, String error) {
    /** As a report's line says it: names, expiry and days left, where it comes from, an error. */
    String line() {
      String until = notAfter == null ? "none yet"
          : "valid until " + notAfter + " (" + java.time.Duration.between(Instant.now(), notAfter).toDays()
              + " days)";
      return String.join(", ", names) + ": " + until + ", " + source
          + (error == null ? "" : " (" + error + ")");
    }
  }

  private final TlsConfig config;
  private final FrontDoor front;
  private final Http01Challenges challenges = new Http01Challenges();
  private AcmeCertificates acme;
  private volatile RedirectServer redirect;
  /** Where ACME keeps its files; null without ACME. */
  private Path acmeRoot;

  private TlsSetup(TlsConfig config, FrontDoor front) {
    this.config = config;
    this.front = front;
  }

  /**
   * Loads the certificate files (and those ACME obtained before, from the state folder).
   *
   * @throws IllegalArgumentException naming the file and what was expected
   */
  static TlsSetup of(AppConfig app) {
    TlsConfig t = app.tls();
    if (t == null) {
      return new TlsSetup(null, new FrontDoor(null, app.h2c()));
    }
    List<Certificates.Source> files = new ArrayList<>();
    for (TlsConfig.CertFiles f : t.certificates()) {
      files.add(new Certificates.Source(f.cert(), f.key()));
    }
    Certificates certs = files.isEmpty() ? Certificates.none(t.http2())
        : Certificates.load(files, t.http2());
    return new TlsSetup(t, new FrontDoor(certs, false));
  }

  FrontDoor front() {
    return front;
  }

  /**
   * Binds the redirect listener on {@code proxy}'s event loops.
   *
   * @throws RuntimeException as a bind does, when the port is taken
   */
  RedirectServer listen(Proxy proxy) {
    redirect = RedirectServer.start(proxy, config.redirectHttp(), proxy.address().getPort(),
        path -> challenges.answer(path).orElse(null));
    return redirect;
  }

  /**
   * Starts ACME, if configured: the certificates it holds already go to the proxy before this
   * returns, and the missing ones are ordered in the background.
   */
  void startAcme(Path state) {
    TlsConfig.Acme a = config == null ? null : config.acme();
    if (a == null) {
      return;
    }
    acmeRoot = state.resolve("acme");
    AcmeSettings settings = AcmeSettings.of(a.directory().toString(), a.email(), acmeRoot,
        a.hosts());
    if (a.caRoots() != null) {
      settings = settings.withCaRoots(a.caRoots());
    }
    acme = new AcmeCertificates(settings, challenges, (hosts, chain, key) -> {
      try {
        front.tls().put(new Certificates.Source(chain, key));
        log.info("serving the certificate for {} from {}", hosts, chain);
      } catch (IllegalArgumentException e) {
        log.warn("ACME's certificate for {} does not load: {}", hosts, e.getMessage());
      }
    }, Clock.systemUTC());
    acme.start();
  }

  /** Every certificate served, with its expiry, and ACME's errors. */
  List<Cert> certificates() {
    List<Cert> out = new ArrayList<>();
    if (front.tls() == null) {
      return out;
    }
    List<Path> fromAcme = new ArrayList<>();
    List<CertInfo> acmeInfo = acme == null ? List.of() : acme.certificates();
    for (Certificates.Info i : front.tls().info()) {
      boolean byAcme = acmeRoot != null && i.file().startsWith(acmeRoot);
      if (byAcme) {
        fromAcme.add(i.file());
      }
      out.add(new Cert(i.names(), i.notAfter(), byAcme ? "acme" : i.file().toString(),
          byAcme ? acmeError(acmeInfo, i.names()) : null));
    }
    for (CertInfo c : acmeInfo) { // ordered, not served yet
      boolean served = out.stream().anyMatch(o -> o.source.equals("acme") && o.names.containsAll(c.hosts()));
      if (!served) {
        out.add(new Cert(c.hosts(), c.notAfter().orElse(null), "acme",
            c.lastError().orElse("ordering; next attempt " + c.nextAttempt())));
      }
    }
    return out;
  }

  private static String acmeError(List<CertInfo> info, List<String> names) {
    for (CertInfo c : info) {
      if (names.containsAll(c.hosts())) {
        Optional<String> e = c.lastError();
        return e.orElse(null);
      }
    }
    return null;
  }

  /** Closes the redirect listener (at a takeover, first: the newcomer binds its port) and ACME. */
  @Override
  public void close() {
    RedirectServer r = redirect;
    redirect = null;
    if (r != null) {
      r.close();
    }
    if (acme != null) {
      acme.close();
    }
  }
}
