package dev.nonstop.acme;

import dev.nonstop.proxy.TestCerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostCertificateTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  private static final AcmeSettings.Timing TIMING = AcmeSettings.Timing.DEFAULT;

  private static Issued issued(Instant notBefore, Duration lifetime) throws Exception {
    TestCerts.KeyAndCert made = TestCerts.selfSigned(notBefore, notBefore.plus(lifetime), "app.example.com");
    return new Issued(List.of(made.cert()), made.key());
  }

  @Test
  void isDueAtOnceWhenThereIsNoCertificate() {
    HostCertificate host = new HostCertificate("app.example.com", T0);
    assertThat(host.due(T0)).isTrue();
    assertThat(host.info()).isEqualTo(new CertInfo(List.of("app.example.com"), Optional.empty(), Optional.empty(), T0));
  }

  @Test
  void renewsWhenAThirdOfTheLifetimeIsLeftButNoEarlierThanThirtyDaysBeforeExpiry() throws Exception {
    assertThat(issued(T0, Duration.ofDays(90)).renewAt()).isEqualTo(T0.plus(Duration.ofDays(60)));
    assertThat(issued(T0, Duration.ofDays(6)).renewAt()).isEqualTo(T0.plus(Duration.ofDays(4)));
    assertThat(issued(T0, Duration.ofDays(365)).renewAt()).isEqualTo(T0.plus(Duration.ofDays(365 - 30)));
  }

  @Test
  void waitsDoublingFromTheFirstRetryUpToTheLongest() {
    HostCertificate host = new HostCertificate("app.example.com", T0);
    Instant now = T0;
    Duration[] expected = {Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8)};
    for (Duration wait : expected) {
      host.failed("nope", now, TIMING, Optional.empty());
      assertThat(Duration.between(now, host.nextAttempt())).isEqualTo(wait);
      now = host.nextAttempt();
    }
    for (int i = 0; i < 40; i++) {
      host.failed("nope", now, TIMING, Optional.empty());
    }
    assertThat(Duration.between(now, host.nextAttempt())).isEqualTo(Duration.ofHours(6));
    assertThat(host.info().lastError()).contains("nope");
  }

  @Test
  void waitsLongerWhenTheCaAsksTo() {
    HostCertificate host = new HostCertificate("app.example.com", T0);
    host.failed("rate limited", T0, TIMING, Optional.of(T0.plus(Duration.ofHours(3))));
    assertThat(host.nextAttempt()).isEqualTo(T0.plus(Duration.ofHours(3)));
    host.failed("rate limited", T0, TIMING, Optional.of(T0.plus(Duration.ofSeconds(5))));
    assertThat(host.nextAttempt()).isEqualTo(T0.plus(Duration.ofMinutes(2)));
  }

  @Test
  void aNewCertificateClearsTheErrorAndTheCountOfFailures() throws Exception {
    HostCertificate host = new HostCertificate("app.example.com", T0);
    host.failed("nope", T0, TIMING, Optional.empty());
    host.failed("nope", T0, TIMING, Optional.empty());
    Issued cert = issued(T0, Duration.ofDays(90));

    host.issued(cert, T0.plus(Duration.ofMinutes(5)), TIMING.firstRetry());

    assertThat(host.info()).isEqualTo(new CertInfo(List.of("app.example.com"), Optional.of(cert.notAfter()), Optional.empty(),
        T0.plus(Duration.ofDays(60))));
    host.failed("nope", T0.plus(Duration.ofDays(60)), TIMING, Optional.empty());
    assertThat(host.nextAttempt()).isEqualTo(T0.plus(Duration.ofDays(60)).plus(Duration.ofMinutes(1)));
  }

  @Test
  void neverOrdersRightAfterANewCertificateEvenWhenTheClockIsFarAhead() throws Exception {
    HostCertificate host = new HostCertificate("app.example.com", T0);
    Instant farAhead = T0.plus(Duration.ofDays(80));
    host.issued(issued(T0, Duration.ofDays(90)), farAhead, TIMING.firstRetry());
    assertThat(host.nextAttempt()).isEqualTo(farAhead.plus(TIMING.firstRetry()));
  }

  @Test
  void knowsWhetherTheKeyAndTheNameFitTheCertificate() throws Exception {
    Issued cert = issued(T0, Duration.ofDays(90));
    Issued other = issued(T0, Duration.ofDays(90));
    assertThat(cert.covers("app.example.com")).isTrue();
    assertThat(cert.covers("APP.example.com")).isTrue();
    assertThat(cert.covers("www.example.com")).isFalse();
    assertThat(cert.keyMatches()).isTrue();
    assertThat(new Issued(cert.chain(), new java.security.KeyPair(cert.leaf().getPublicKey(), other.key().getPrivate())).keyMatches())
        .isFalse();
  }
}
