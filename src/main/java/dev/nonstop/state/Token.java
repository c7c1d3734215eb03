package dev.nonstop.state;

import java.nio.file.Path;

/** Placeholder until the state work lands. */
public final class Token {
  private Token() {}

  public static String loadOrCreate(Path stateDir) {
    throw new UnsupportedOperationException("not built yet");
  }
}
