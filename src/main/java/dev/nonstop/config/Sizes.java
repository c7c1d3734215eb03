package dev.nonstop.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as written in {@code nonstop.yml} and on the command line: bytes as a plain number
 * ({@code 65536}), or a whole number with {@code KiB}, {@code MiB} or {@code GiB}, each a power of
 * 1024. {@code KB}, {@code MB}, {@code GB} and bare {@code k}, {@code m}, {@code g} are refused
 * rather than guessed at: some tools count them in 1000s and some in 1024s, and a limit that is 5%
 * off is the kind nobody notices until it bites. The refusal names the spelling that is taken.
 */
public final class Sizes {
  public static final String EXPECTED = "a size of 0 or more: bytes, or a whole number with KiB, MiB or GiB, e.g. 100MiB";
  private static final Pattern SIZE = Pattern.compile("(\\d+)(KiB|MiB|GiB)?");
  /** A number with a unit that is close to KiB, MiB or GiB but is not one of them. */
  private static final Pattern NEAR = Pattern.compile("(\\d+) *([kmgKMG])([iI]?)([bB]?)");

  private Sizes() {}

  /**
   * Bytes; the exception's message says what was expected.
   *
   * @throws IllegalArgumentException when {@code text} is not a size as described above
   */
  public static long parse(String text) {
    String t = text.strip();
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(nearMiss(t));
    }
    String unit = m.group(2);
    int shift = unit == null ? 0 : switch (unit) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      default -> 30;
    };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > Long.MAX_VALUE >> shift) {
        throw new NumberFormatException();
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a smaller size");
    }
  }

  /** As {@link #parse}, for limits held in an int. */
  public static int parseInt(String text) {
    long n = parse(text);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a size below 2GiB");
    }
    return (int) n;
  }

  private static String nearMiss(String t) {
    Matcher m = NEAR.matcher(t);
    if (!m.matches()) {
      return EXPECTED;
    }
    String meant = m.group(1) + m.group(2).toUpperCase(Locale.ROOT) + "iB";
    if (m.group(3).isEmpty()) {
      String written = t.substring(m.end(1)).strip();
      return meant + "; " + written + " is ambiguous (1000s or 1024s?), so sizes take KiB, MiB or GiB, powers of 1024";
    }
    return meant + ", spelled so: a whole number, then KiB, MiB or GiB";
  }
}
