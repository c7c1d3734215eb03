package dev.nonstop.acme;

import java.io.IOException;
import java.net.URI;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.exception.AcmeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACME account orders are placed with: registered on first use with the key in
 * {@code account.key} (the CA finds the same account again from the same key, so only the key is
 * kept). Confined to the certificates' thread.
 */
final class AcmeAccount {
  private static final Logger log = LoggerFactory.getLogger(AcmeAccount.class);

  private final AcmeSettings settings;
  private final CertificateStore store;
  private Login login;

  AcmeAccount(AcmeSettings settings, CertificateStore store) {
    this.settings = settings;
    this.store = store;
  }

  /** A login, registering the account (or finding it again) when there is none yet. */
  Login login() throws OrderException {
    if (login != null) {
      return login;
    }
    Session session;
    URI terms;
    try {
      session = session();
      terms = session.getMetadata().getTermsOfService().orElse(null);
    } catch (AcmeException | IOException | RuntimeException e) {
      throw OrderException.at("reading the ACME directory " + settings.directory() + " (expected: an ACME server's directory)", e);
    }
    try {
      AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(store.accountKey());
      settings.email().ifPresent(builder::addEmail);
      login = builder.createLogin(session);
    } catch (AcmeException | IOException | RuntimeException e) {
      throw OrderException.at("registering the ACME account at " + settings.directory(), e);
    }
    log.info("ACME account {} at {}{}{}", login.getAccountLocation(), settings.directory(),
        settings.email().map(e -> ", contact " + e).orElse(""),
        terms == null ? "" : ", terms of service " + terms + " agreed");
    return login;
  }

  /** After a failure: the next order logs in again (the CA may have been reset, or the account deactivated). */
  void forget() {
    login = null;
  }

  private Session session() throws IOException {
    if (settings.caRoots().isPresent()) {
      return new Session(settings.directory(), new TrustedRootsProvider(settings.caRoots().get()));
    }
    return new Session(settings.directory());
  }
}
