package dev.nonstop.config;

import java.util.Locale;

/** The two ways of replacing a release. */
public enum Strategy {
  IN_PLACE("in-place"),
  BLUE_GREEN("blue-green");

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
    throw new IllegalArgumentException("strategy: '" + text + "' (expected: in-place or blue-green)");
  }

  @Override
  public String toString() {
    return word;
  }
}
