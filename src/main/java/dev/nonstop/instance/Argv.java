package dev.nonstop.instance;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words the way {@code sh} does for simple quoting: blanks separate
 * words, single quotes keep everything, double quotes keep everything but {@code \"}, {@code \\},
 * {@code \$} and {@code \`}, and a backslash outside quotes keeps the next character.
 *
 * <p>Nonstop runs the words itself, without a shell, so that the pid it holds is the server's and
 * its stop signal reaches the server rather than a shell in between. Shell syntax that only a
 * shell could honour (pipes, redirects, {@code ;}, {@code &}, {@code $VAR}) is refused with a
 * hint; a command that needs it can be written {@code sh -c 'exec ...'}.
 */
final class Argv {
  private static final String SHELL_ONLY = "|&;<>`$()";

  private Argv() {}

  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n') {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw unterminated(line, '\'');
        }
        word.append(line, i + 1, end);
        i = end;
        inWord = true;
      } else if (c == '"') {
        i = doubleQuoted(line, i + 1, word);
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 >= line.length()) {
          throw new IllegalArgumentException("run: " + line + " (expected: a character after the final \\)");
        }
        word.append(line.charAt(++i));
        inWord = true;
      } else if (SHELL_ONLY.indexOf(c) >= 0) {
        throw shellOnly(line, c);
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("run: '" + line + "' (expected: a command, e.g. ./server --port {port})");
    }
    return words;
  }

  /** Appends the quoted text starting at {@code from}; returns the index of the closing quote. */
  private static int doubleQuoted(String line, int from, StringBuilder word) {
    for (int i = from; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        return i;
      }
      if (c == '\\' && i + 1 < line.length() && "\"\\$`\n".indexOf(line.charAt(i + 1)) >= 0) {
        word.append(line.charAt(++i));
      } else if (c == '$' || c == '`') {
        throw shellOnly(line, c);
      } else {
        word.append(c);
      }
    }
    throw unterminated(line, '"');
  }

  private static IllegalArgumentException unterminated(String line, char quote) {
    return new IllegalArgumentException("run: " + line + " (expected: a closing " + quote + ")");
  }

  private static IllegalArgumentException shellOnly(String line, char c) {
    String hint = c == '$' ? "use {port}, {version} and {instance} rather than variables, or " : "";
    return new IllegalArgumentException("run: " + line + " (unexpected '" + c + "': the command runs"
        + " without a shell; " + hint + "quote it, or write sh -c 'exec ...')");
  }
}
