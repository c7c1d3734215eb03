package dev.nonstop.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CA that cannot be reached: no pebble needed. */
class UnreachableCaTest {
  @TempDir Path state;

  @Test
  void aCaThatCannotBeReachedIsRetriedWithGrowingWaitsAndNamedInTheError() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String directory = "https://127.0.0.1:" + closedPort + "/dir";
    FakeClock clock = new FakeClock(Instant.parse("2026-03-01T00:00:00Z"));
    List<Path> ready = new CopyOnWriteArrayList<>();
    AcmeSettings settings = AcmeSettings.of(directory, "ops@example.com", state.resolve("acme"), List.of("app.example.com"));
    try (AcmeCertificates certificates = new AcmeCertificates(settings, new Http01Challenges(), (h, chain, key) -> ready.add(chain), clock)) {
      certificates.load();

      Duration wait = certificates.renewDue();

      CertInfo info = certificates.certificates().get(0);
      assertThat(info.lastError().orElseThrow())
          .startsWith("reading the ACME directory " + directory + " (expected: an ACME server's directory): the CA cannot be reached: ");
      assertThat(info.nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
      assertThat(wait).isEqualTo(Duration.ofMinutes(1));

      clock.advance(wait);
      certificates.renewDue();
      assertThat(certificates.certificates().get(0).nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
      assertThat(ready).isEmpty();
    }
  }
}
