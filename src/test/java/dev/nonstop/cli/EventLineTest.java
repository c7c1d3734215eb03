package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.deploy.Event;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventLineTest {
  private static final Instant T = Instant.parse("2026-01-01T12:01:02.345Z");

  @Test
  void showsTimeStepOfStepsAndMessage() {
    assertThat(EventLine.render(new Event(T, "step", 3, "drain 127.0.0.1:40001: 2 in flight"), 8, ZoneOffset.UTC))
        .isEqualTo("12:01:02.345  [3/8] drain 127.0.0.1:40001: 2 in flight");
  }

  @Test
  void leavesOutWhatIsUnknown() {
    assertThat(EventLine.render(new Event(T, "info", 3, "x"), 0, ZoneOffset.UTC)).isEqualTo("12:01:02.345  [3] x");
    assertThat(EventLine.render(new Event(T, "done", 0, "1.0.3 is live"), 8, ZoneOffset.UTC)).isEqualTo("12:01:02.345  1.0.3 is live");
  }

  @Test
  void marksWarningsAndFailures() {
    assertThat(EventLine.render(new Event(T, "warn", 0, "slow"), 0, ZoneOffset.UTC)).isEqualTo("12:01:02.345  warning: slow");
    assertThat(EventLine.render(new Event(T, "failed", 2, "a\nb\n"), 2, ZoneOffset.UTC))
        .isEqualTo("12:01:02.345  [2/2] failed: a\n              b");
  }
}
