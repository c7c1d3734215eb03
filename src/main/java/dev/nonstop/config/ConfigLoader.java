package dev.nonstop.config;

import java.nio.file.Path;

/** Reads and validates {@code nonstop.yml}. (Contract only: lands with the config work.) */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** @throws ConfigException with file:line:column and what was expected */
  public static AppConfig load(Path file) {
    throw new UnsupportedOperationException("not built yet");
  }
}
