package dev.nonstop.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the file and on the command line: always with a unit, {@code 500ms},
 * {@code 30s}, {@code 2m}, {@code 1h}, {@code 1m30s}.
 */
public final class Durations {
  public static final String EXPECTED = "a duration with a unit, e.g. 30s";
  public static final String EXPECTED_ABOVE_ZERO = "a duration above 0 with a unit, e.g. 1s";
  private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  /**
   * Zero or more; the exception's message says what was expected.
   *
   * @throws IllegalArgumentException when {@code text} is not a duration with units
   */
  public static Duration parse(String text) {
    String t = text.strip();
    if (!WHOLE.matcher(t).matches()) {
      throw new IllegalArgumentException(EXPECTED);
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(t);
    try {
      while (m.find()) {
        long n = Long.parseLong(m.group(1));
        total = total.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        });
      }
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("a shorter duration");
    }
    return total;
  }

  /** As {@link #parse}, refusing zero. */
  public static Duration parsePositive(String text) {
    Duration d = parse(text);
    if (d.isZero()) {
      throw new IllegalArgumentException(EXPECTED_ABOVE_ZERO);
    }
    return d;
  }

  /** A duration as the file writes it: 10m, 30s, 250ms (the largest unit it is a whole number of). */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
