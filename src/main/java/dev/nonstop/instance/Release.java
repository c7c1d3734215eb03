package dev.nonstop.instance;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/** One version of the app, as deployed. */
public record Release(String version) {
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

  public Release {
    requireNonNull(version, "version");
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("version: '" + version
          + "' (expected: letters, digits, '.', '_', '+' or '-', at most 64, e.g. 1.0.2)");
    }
  }

  @Override
  public String toString() {
    return version;
  }
}
