package dev.nonstop.config;

/** In-place batch size: a count of servers ({@code 2}) or a share of them ({@code 50%}). */
public record Batch(int count, int percent) {
  public Batch {
    if ((count > 0) == (percent > 0)) {
      throw new IllegalArgumentException(
          "batch: count " + count + ", percent " + percent + " (expected: exactly one above 0)");
    }
    if (percent > 100) {
      throw new IllegalArgumentException("batch: " + percent + "% (expected: 1% to 100%)");
    }
  }

  /** Parses {@code 2} or {@code 50%}; the error says what was expected. */
  public static Batch parse(String text) {
    String t = text.trim();
    try {
      if (t.endsWith("%")) {
        int p = Integer.parseInt(t.substring(0, t.length() - 1).trim());
        if (p < 1 || p > 100) {
          throw new IllegalArgumentException("batch: '" + text + "' (expected: a percent from 1% to 100%)");
        }
        return new Batch(0, p);
      }
      int c = Integer.parseInt(t);
      if (c < 1) {
        throw new IllegalArgumentException("batch: '" + text + "' (expected: a count of at least 1, or a percent like 50%)");
      }
      return new Batch(c, 0);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("batch: '" + text + "' (expected: a count like 2 or a percent like 50%)");
    }
  }

  /** Servers per batch out of {@code instances}: at least 1, at most all. */
  public int size(int instances) {
    int n = count > 0 ? count : (instances * percent + 99) / 100;
    return Math.max(1, Math.min(instances, n));
  }

  @Override
  public String toString() {
    return count > 0 ? Integer.toString(count) : percent + "%";
  }
}
