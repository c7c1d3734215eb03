package dev.nonstop.acme;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;

/** An order that gave no certificate: the step it failed at and why, in words for a log and the dashboard. */
final class OrderException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Instant retryAfter;

  OrderException(String message, Throwable cause, Instant retryAfter) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  /** {@code step} failed because of {@code cause} (an acme4j or I/O exception). */
  static OrderException at(String step, Exception cause) {
    Instant retryAfter = cause instanceof AcmeRateLimitedException limited ? limited.getRetryAfter().orElse(null) : null;
    return new OrderException(step + ": " + describe(cause), cause, retryAfter);
  }

  /** {@code step} ended with the CA's {@code problem}. */
  static OrderException at(String step, Optional<Problem> problem) {
    return new OrderException(step + ": " + problem.map(OrderException::describe).orElse("the CA gave no reason"), null, null);
  }

  /** When the CA asked to be left alone until (rate limits), if it did. */
  Optional<Instant> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  static String describe(Problem problem) {
    String type = problem.getType().toString();
    // urn:ietf:params:acme:error:unauthorized -> unauthorized
    String shortType = type.substring(type.lastIndexOf(':') + 1);
    return problem + " (" + shortType + ")";
  }

  private static String describe(Throwable e) {
    if (e instanceof AcmeServerException server) {
      return describe(server.getProblem());
    }
    if (e instanceof AcmeNetworkException) {
      return "the CA cannot be reached: " + causes(e.getCause());
    }
    return causes(e);
  }

  /** The messages along the cause chain: the JDK's HTTP client often puts the telling one deep down. */
  private static String causes(Throwable e) {
    Set<String> parts = new LinkedHashSet<>();
    for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
      parts.add(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
    return String.join(": ", parts);
  }
}
