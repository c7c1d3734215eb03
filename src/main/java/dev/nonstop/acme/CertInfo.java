package dev.nonstop.acme;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where one certificate stands, for the report, the dashboard and the metrics.
 *
 * @param hosts the names it covers
 * @param notAfter when the certificate being served expires; empty while there is none
 * @param lastError why the last order failed; empty once one succeeds
 * @param nextAttempt when the next order is due: the renewal point, or the next retry
 */
public record CertInfo(List<String> hosts, Optional<Instant> notAfter, Optional<String> lastError, Instant nextAttempt) {
  public CertInfo {
    hosts = List.copyOf(hosts);
    requireNonNull(notAfter, "notAfter");
    requireNonNull(lastError, "lastError");
    requireNonNull(nextAttempt, "nextAttempt");
  }
}
