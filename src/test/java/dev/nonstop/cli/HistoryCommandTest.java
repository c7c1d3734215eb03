package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class HistoryCommandTest {
  @Test
  void durationsReadAsTheirFormatInTheRootLocale() {
    for (long ms = 0; ms < 200_000; ms += 7) {
      String expected = ms < 1000 ? ms + "ms"
          : ms < 60_000 ? String.format(Locale.ROOT, "%.1fs", ms / 1000.0)
          : String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, ms / 1000 % 60);
      assertThat(HistoryCommand.duration(LongNode.valueOf(ms))).as("%d ms", ms).isEqualTo(expected);
    }
  }

  @Test
  void aDurationThatIsNotANumberIsADash() {
    assertThat(HistoryCommand.duration(TextNode.valueOf("soon"))).isEqualTo("-");
  }
}
