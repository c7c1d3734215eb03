package dev.nonstop.acme;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The certificate of one host name and when to order its next one. Pure bookkeeping: the time
 * is passed in. Confined to the certificates' thread.
 */
final class HostCertificate {
  private final String host;
  private Issued current;
  private int failures;
  private String lastError;
  private Instant nextAttempt;

  HostCertificate(String host, Instant now) {
    this.host = host;
    this.nextAttempt = now;
  }

  String host() {
    return host;
  }

  Optional<Issued> current() {
    return Optional.ofNullable(current);
  }

  Instant nextAttempt() {
    return nextAttempt;
  }

  int failures() {
    return failures;
  }

  boolean due(Instant now) {
    return !now.isBefore(nextAttempt);
  }

  /** One found on disk: served until its renewal point (at once if that has passed). */
  void found(Issued issued) {
    current = issued;
    nextAttempt = issued.renewAt();
  }

  /**
   * A new one came: the next order is at its renewal point, but never sooner than
   * {@code firstRetry} from now, so that a clock running far ahead of the CA's (or a CA issuing
   * shorter certificates than asked) cannot make orders follow each other without pause.
   */
  void issued(Issued issued, Instant now, Duration firstRetry) {
    current = issued;
    failures = 0;
    lastError = null;
    Instant soonest = now.plus(firstRetry);
    nextAttempt = issued.renewAt().isAfter(soonest) ? issued.renewAt() : soonest;
  }

  /**
   * The order failed: wait {@code firstRetry}, doubled with each failure in a row up to
   * {@code maxRetry}, or longer if the CA asked to.
   */
  void failed(String error, Instant now, AcmeSettings.Timing timing, Optional<Instant> retryAfter) {
    failures++;
    lastError = error;
    Duration wait = timing.firstRetry();
    for (int i = 1; i < failures && wait.compareTo(timing.maxRetry()) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    if (wait.compareTo(timing.maxRetry()) > 0) {
      wait = timing.maxRetry();
    }
    Instant next = now.plus(wait);
    nextAttempt = retryAfter.filter(next::isBefore).orElse(next);
  }

  CertInfo info() {
    return new CertInfo(List.of(host), current().map(Issued::notAfter), Optional.ofNullable(lastError), nextAttempt);
  }
}
