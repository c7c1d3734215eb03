package dev.nonstop.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleOptionsTest {
  @Test
  void flagsWinOverTheDriversVariables() {
    SampleOptions options = SampleOptions.parse(new String[] {"--version", "1.0.2", "--port", "9001"},
        Map.of("PORT", "9999", "NONSTOP_VERSION", "0.9", "NONSTOP_INSTANCE", "2"));

    assertThat(options.version()).isEqualTo("1.0.2");
    assertThat(options.port()).isEqualTo(9001);
    assertThat(options.instance()).isEqualTo("2");
    assertThat(options.host()).isEqualTo("127.0.0.1");
  }

  @Test
  void portComesFromTheEnvironmentWithoutTheFlag() {
    SampleOptions options = SampleOptions.parse(new String[] {"--version", "1.0.2"}, Map.of("PORT", "9005"));

    assertThat(options.port()).isEqualTo(9005);
    assertThat(options.instance()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
  }

  @Test
  void startupDelayCarriesUnits() {
    assertThat(SampleOptions.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(SampleOptions.duration("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(SampleOptions.duration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> SampleOptions.duration("3")).hasMessageContaining("expected: e.g. 500ms, 3s, 1m");
  }

  @Test
  void badPortSaysWhatIsExpected() {
    assertThatThrownBy(() -> SampleOptions.parse(new String[] {"--version", "1", "--port", "0"}, Map.of()))
        .hasMessage("--port: 0 (expected: 1-65535)");
    assertThatThrownBy(() -> SampleOptions.parse(new String[] {"--version", "1"}, Map.of()))
        .hasMessageContaining("--port: missing");
  }
}
