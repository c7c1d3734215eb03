package dev.nonstop.instance;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/** The signals a server may be stopped with. */
enum StopSignal {
  TERM,
  INT,
  HUP,
  QUIT,
  KILL;

  /** Accepts {@code TERM}, {@code term} or {@code SIGTERM}. */
  static StopSignal parse(String name) {
    requireNonNull(name, "stopSignal");
    String upper = name.trim().toUpperCase(Locale.ROOT);
    String bare = upper.startsWith("SIG") ? upper.substring(3) : upper;
    for (StopSignal signal : values()) {
      if (signal.name().equals(bare)) {
        return signal;
      }
    }
    throw new IllegalArgumentException("stopSignal: '" + name + "' (expected: TERM, INT, HUP, QUIT or KILL)");
  }
}
