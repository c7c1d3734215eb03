package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Refused accepts are reported at once, then at most once per interval with their count. */
class AcceptGateTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void reportsTheFirstAtOnceAndTheRestOncePerIntervalWithTheirCount() {
    AcceptGate.Tally tally = new AcceptGate.Tally(Duration.ofSeconds(10));
    long now = 5 * SECOND;
    assertThat(tally.add(now)).isEqualTo(1);
    for (int i = 1; i < 100; i++) { // every 100 ms: quiet until ten seconds passed
      assertThat(tally.add(now + i * SECOND / 10)).isZero();
    }
    assertThat(tally.add(now + 10 * SECOND)).isEqualTo(100);
    assertThat(tally.add(now + 11 * SECOND)).isZero();
    assertThat(tally.add(now + 60 * SECOND)).isEqualTo(2);
  }
}
