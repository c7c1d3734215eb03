package dev.nonstop.acme;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeException;

/**
 * One ACME order for one host name: its HTTP-01 challenges answered through
 * {@link Http01Challenges}, then the finalization with the host's key and the download of the
 * chain. Blocks its thread for the length of the order, seconds with a healthy CA.
 *
 * <p>The CA is asked whether it is done every {@code pollEvery}, or when it says (Retry-After):
 * acme4j's own wait polls every 3 s when the CA does not say, which is most of an order's time.
 */
final class CertificateOrder {
  private static final Set<Status> CHALLENGE_DONE = EnumSet.of(Status.VALID, Status.INVALID);
  private static final Set<Status> ORDER_READY = EnumSet.of(Status.READY, Status.VALID, Status.INVALID);
  private static final Set<Status> ORDER_DONE = EnumSet.of(Status.VALID, Status.INVALID);

  private final Http01Challenges challenges;
  private final AcmeSettings.Timing timing;

  CertificateOrder(Http01Challenges challenges, AcmeSettings.Timing timing) {
    this.challenges = challenges;
    this.timing = timing;
  }

  /** The certificate chain for {@code host}, issued for {@code domainKey}. */
  List<X509Certificate> obtain(Login login, String host, KeyPair domainKey) throws OrderException, InterruptedException {
    long deadline = System.nanoTime() + timing.orderTimeout().toNanos();
    String step = "placing the order";
    try {
      Order order = login.newOrder().domain(host).create();
      for (Authorization authorization : order.getAuthorizations()) {
        step = "proving control of " + authorization.getIdentifier().getDomain() + " with http-01";
        authorize(authorization, step, deadline);
      }
      step = "waiting for the order to be ready";
      if (await(order, ORDER_READY, deadline) == Status.INVALID) {
        throw OrderException.at(step, order.getError());
      }
      step = "finalizing the order";
      order.execute(domainKey);
      if (await(order, ORDER_DONE, deadline) == Status.INVALID) {
        throw OrderException.at(step, order.getError());
      }
      step = "downloading the certificate";
      return order.getCertificate().getCertificateChain();
    } catch (AcmeException | RuntimeException e) {
      throw OrderException.at(step, e);
    }
  }

  private void authorize(Authorization authorization, String step, long deadline)
      throws AcmeException, OrderException, InterruptedException {
    if (authorization.getStatus() == Status.VALID) {
      return; // the CA remembers a recent proof for this account
    }
    Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class)
        .orElseThrow(() -> OrderException.at(step, new AcmeException("the CA offers no http-01 challenge for it")));
    challenges.put(challenge.getToken(), challenge.getAuthorization());
    try {
      if (challenge.getStatus() == Status.PENDING) {
        challenge.trigger();
      }
      if (await(challenge, CHALLENGE_DONE, deadline) == Status.INVALID) {
        throw OrderException.at(step, challenge.getError());
      }
    } finally {
      challenges.remove(challenge.getToken());
    }
  }

  /** Polls {@code resource} until its status is one of {@code done}. */
  private Status await(PollableResource resource, Set<Status> done, long deadline) throws AcmeException, InterruptedException {
    while (!done.contains(resource.getStatus())) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AcmeException("no outcome within " + timing.orderTimeout() + " (still " + resource.getStatus() + ")");
      }
      Optional<Instant> retryAfter = resource.fetch();
      if (done.contains(resource.getStatus())) {
        break;
      }
      // Retry-After is a wall-clock time set by the CA
      Duration wait = retryAfter.map(t -> Duration.between(Instant.now(), t)).filter(d -> !d.isNegative()).orElse(timing.pollEvery());
      Thread.sleep(Math.max(1, Math.min(wait.toMillis(), left / 1_000_000)));
    }
    return resource.getStatus();
  }
}
