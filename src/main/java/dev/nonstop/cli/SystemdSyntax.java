package dev.nonstop.cli;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;

/** Values as systemd's unit files spell them: addresses, durations, words of a command, quoted text. */
final class SystemdSyntax {
  private SystemdSyntax() {}

  /** The address as {@code ListenStream=} takes it: {@code 127.0.0.1:8080}, {@code [::]:80}. */
  static String listenStream(InetSocketAddress a) {
    String host = a.getAddress() instanceof Inet6Address v6 ? "[" + compressed(v6) + "]" : a.getAddress().getHostAddress();
    return host + ":" + a.getPort();
  }

  /** {@code ::1} rather than Java's {@code 0:0:0:0:0:0:0:1}: the longest run of zero groups as {@code ::}. */
  static String compressed(Inet6Address address) {
    String full = address.getHostAddress();
    int percent = full.indexOf('%');
    String zone = percent < 0 ? "" : full.substring(percent);
    String[] groups = (percent < 0 ? full : full.substring(0, percent)).split(":");
    int bestStart = -1;
    int bestLength = 1; // a single zero group stays "0"
    for (int i = 0; i < groups.length; i++) {
      int j = i;
      while (j < groups.length && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
    }
    if (bestStart < 0) {
      return String.join(":", groups) + zone;
    }
    String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
    String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    return head + "::" + tail + zone;
  }

  /** Whole seconds, rounded up: systemd's {@code 55s}. */
  static String seconds(Duration d) {
    long millis = d.toMillis();
    return (millis / 1000 + (millis % 1000 == 0 ? 0 : 1)) + "s";
  }

  /**
   * One word of an {@code Exec*=} line: systemd splits those at spaces, unquotes, expands
   * {@code %} specifiers and {@code $} variables, so a path with any of them is quoted and escaped.
   */
  static String execArgument(String word) {
    String escaped = specifiersEscaped(word).replace("$", "$$");
    return escaped.chars().allMatch(c -> c > ' ' && c != '"' && c != '\'' && c != '\\' && c != ';')
        ? escaped
        : quoted(escaped);
  }

  /** {@code "text"} with backslashes and quotes escaped, as systemd unquotes it. */
  static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** One {@code NAME=value} of an {@code Environment=} line, quoted: the value may hold spaces or {@code %}. */
  static String assignment(String nameAndValue) {
    return quoted(specifiersEscaped(nameAndValue));
  }

  /** {@code %} doubled: systemd expands specifiers such as {@code %h} in most settings, quoted or not. */
  static String specifiersEscaped(String text) {
    return text.replace("%", "%%");
  }
}
