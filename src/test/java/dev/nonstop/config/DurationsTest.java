package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsEachUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("0s")).isZero();
  }

  @Test
  void readsCombinedUnits() {
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(Duration.ofMillis(3_723_004));
  }

  @Test
  void refusesABareNumber() {
    assertThatThrownBy(() -> Durations.parse("30")).hasMessage("a duration with a unit, e.g. 30s");
  }

  @Test
  void refusesNegativeFractionalAndUnknownUnits() {
    for (String bad : new String[] {"-1s", "1.5s", "1d", "s", "", "PT1S", "1 s", "1S"}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void refusesAnOverflow() {
    assertThatThrownBy(() -> Durations.parse("99999999999999999999h")).isInstanceOf(IllegalArgumentException.class);
  }
}
