package dev.nonstop.config;

import dev.nonstop.config.YamlTree.Entry;
import dev.nonstop.config.YamlTree.Mapping;
import dev.nonstop.config.YamlTree.Node;
import dev.nonstop.config.YamlTree.Position;
import dev.nonstop.config.YamlTree.Scalar;
import dev.nonstop.pool.Backend;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One mapping of the file ({@code health:}, {@code stop:}, {@code limits:} or the top level) and typed reads of its
 * keys. Every refusal names the file, the line and column of the offending value and what was
 * expected. Not thread-safe; lives for one load.
 */
final class Section {
  private final Path file;
  private final String prefix;
  private final Mapping mapping;

  Section(Path file, String prefix, Mapping mapping) {
    this.file = file;
    this.prefix = prefix;
    this.mapping = mapping;
  }

  static ConfigException error(Path file, Position at, String message) {
    return new ConfigException(file + ":" + at + ": " + message);
  }

  Path file() {
    return file;
  }

  Position at() {
    return mapping.at();
  }

  /** What comes before a key in messages: {@code ""} at the top, {@code "apps.web."} in an app. */
  String prefix() {
    return prefix;
  }

  /** Refuses keys outside {@code known}, suggesting the closest known one. */
  void allowOnly(List<String> known) {
    for (Entry e : mapping.entries().values()) {
      if (!known.contains(e.key())) {
        String close = closest(e.key(), known);
        throw error(file, e.keyAt(), "unknown key '" + prefix + e.key() + "' ("
            + (close != null ? "did you mean '" + close + "'?" : "expected: one of " + String.join(", ", known)) + ")");
      }
    }
  }

  /** The node under {@code key}, or null when the key is absent or has no value. */
  Node node(String key) {
    Entry e = mapping.entries().get(key);
    if (e == null || e.value() instanceof Scalar s && s.isNull()) {
      return null;
    }
    return e.value();
  }

  ConfigException wrong(String key, Node value, String expected) {
    return error(file, value.at(), prefix + key + ": " + describe(value) + " (expected: " + expected + ")");
  }

  ConfigException missing(String key, String expected) {
    Entry e = mapping.entries().get(key);
    Position at = e != null ? e.keyAt() : mapping.at();
    String what = e != null ? prefix + key + ": empty" : "missing key '" + prefix + key + "'";
    return error(file, at, what + " (expected: " + expected + ")");
  }

  /** A string, number or boolean as text; {@code fallback} when absent. */
  String text(String key, String fallback, String expected) {
    return parsed(key, fallback, expected, Function.identity());
  }

  /**
   * Reads {@code key} with {@code parse}, which throws IllegalArgumentException when the text is
   * not what was expected; returns {@code fallback} when the key is absent (null: required).
   */
  <T> T parsed(String key, T fallback, String expected, Function<String, T> parse) {
    Node n = node(key);
    if (n == null) {
      if (fallback == null) {
        throw missing(key, expected);
      }
      return fallback;
    }
    if (!(n instanceof Scalar s)) {
      throw wrong(key, n, expected);
    }
    try {
      return parse.apply(s.text());
    } catch (IllegalArgumentException e) {
      throw wrong(key, n, expected);
    }
  }

  int integer(String key, int fallback, int min, int max) {
    String expected = max == Integer.MAX_VALUE
        ? "a whole number of at least " + min
        : "a whole number from " + min + " to " + max;
    Node n = node(key);
    if (n == null) {
      return fallback;
    }
    if (!(n instanceof Scalar s) || s.token() != com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT) {
      throw wrong(key, n, expected);
    }
    try {
      int v = Integer.parseInt(s.text().strip());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // out of int range: same message
    }
    throw wrong(key, n, expected);
  }

  /** A duration with a unit; above zero when {@code positive}, else zero or more. */
  Duration duration(String key, Duration fallback, boolean positive) {
    Duration d = parsed(key, fallback, Durations.EXPECTED, Durations::parse);
    if (positive && d.isZero()) {
      throw wrong(key, node(key), Durations.EXPECTED_ABOVE_ZERO);
    }
    return d;
  }

  /** A size in bytes, see {@link Sizes}; {@code fallback} when absent. */
  long size(String key, long fallback) {
    return explained(key, fallback, Sizes::parse);
  }

  /** A size in bytes that fits an int, see {@link Sizes#parseInt}; {@code fallback} when absent. */
  int intSize(String key, int fallback) {
    return explained(key, fallback, Sizes::parseInt);
  }

  /** Like {@link #parsed}, but the message of {@code parse}'s exception says what was expected. */
  private <T> T explained(String key, T fallback, Function<String, T> parse) {
    Node n = node(key);
    if (n == null) {
      return fallback;
    }
    if (!(n instanceof Scalar s)) {
      throw wrong(key, n, Sizes.EXPECTED);
    }
    try {
      return parse.apply(s.text());
    } catch (IllegalArgumentException e) {
      throw wrong(key, n, e.getMessage());
    }
  }

  /** {@code HOST:PORT}; null when absent and {@code required} is false. */
  InetSocketAddress address(String key, boolean required) {
    String expected = "HOST:PORT, e.g. 127.0.0.1:8080";
    if (node(key) == null && !required) {
      return null;
    }
    InetSocketAddress a = parsed(key, null, expected, Backend::parseAddress);
    if (a.isUnresolved()) {
      throw wrong(key, node(key), "HOST:PORT with an IP address or a host name that resolves");
    }
    return a;
  }

  /** A nested mapping as a section; {@code null} when the key is absent. */
  Section section(String key) {
    Node n = node(key);
    if (n == null) {
      return null;
    }
    if (!(n instanceof Mapping m)) {
      throw wrong(key, n, "a mapping of keys, each on its own line indented under '" + key + ":'");
    }
    return new Section(file, prefix + key + ".", m);
  }

  Mapping mapping() {
    return mapping;
  }

  static String describe(Node n) {
    if (n instanceof Mapping) {
      return "a mapping";
    }
    if (n instanceof YamlTree.Sequence) {
      return "a list";
    }
    Scalar s = (Scalar) n;
    if (s.isNull()) {
      return "empty";
    }
    return s.text().isEmpty() ? "''" : s.text();
  }

  /** The known word within two edits of {@code word}, or equal to it but for case, '-' and '_'. */
  static String closest(String word, List<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = squash(k).equals(squash(word)) ? 0 : distance(word.toLowerCase(Locale.ROOT), k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static String squash(String s) {
    return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
