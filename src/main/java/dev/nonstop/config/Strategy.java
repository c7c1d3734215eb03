package dev.nonstop.config;

import java.util.Locale;

/** The ways of replacing a release. */
public enum Strategy {
  IN_PLACE("in-place"),
  BLUE_GREEN("blue-green"),
  CANARY("canary");

  /** What the file, the command line and the admin API accept. */
  public static final String EXPECTED = "in-place, blue-green or canary";

  private final String word;

  Strategy(String word) {
    this.word = word;
  }

  /** The word used in the file, on the command line and in reports. */
  public String word() {
    return word;
  }

  public static Strategy parse(String text) {
    for (Strategy s : values()) {
      if (s.word.equals(text.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException("strategy: '" + text + "' (expected: " + EXPECTED + ")");
  }

  @Override
  public String toString() {
    return word;
  }
}
