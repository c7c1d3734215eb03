package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Columns padded to their widest cell. Cells are plain text; {@code paint} may color a padded cell
 * afterwards, so escape codes never upset the widths.
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  Table add(String... cells) {
    rows.add(cells);
    return this;
  }

  /** Renders with {@code paint(column, paddedCell)} applied to body cells. */
  String render(BiFunction<Integer, String, String> paint) {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        String padded = c == row.length - 1 ? row[c] : String.format("%-" + widths[c] + "s  ", row[c]);
        line.append(r == 0 ? padded : paint.apply(c, padded));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  String render() {
    return render((c, cell) -> cell);
  }

  /** The field as text, or {@code -} when it is missing or null: the daemon's JSON may grow or lag. */
  static String cell(JsonNode node, String field) {
    JsonNode n = node.path(field);
    return n.isMissingNode() || n.isNull() || n.asText().isEmpty() ? "-" : n.asText();
  }
}
