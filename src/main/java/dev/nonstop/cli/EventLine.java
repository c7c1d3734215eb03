package dev.nonstop.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nonstop.deploy.Event;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * One streamed event as a terminal line: {@code 12:01:02.345  [3/8] drain 127.0.0.1:40001: 2 in
 * flight}. A message of several lines (a failing server's last log lines) keeps its lines, indented
 * under the first. After the final event comes the deployment's report.
 */
final class EventLine {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
  private static final String INDENT = " ".repeat("12:01:02.345  ".length());

  private EventLine() {}

  /** Prints each event of the stream at {@code path} as it comes; 0 when it ends {@code done}, else 1. */
  static int follow(AdminClient client, String path, ObjectNode body, PrintWriter out) {
    ZoneId zone = ZoneId.systemDefault();
    Event last = client.stream(path, body, (event, steps) -> {
      out.println(render(event, steps, zone));
      out.flush();
    });
    printReport(client, out);
    return last.type().equals("done") ? 0 : 1;
  }

  /** The report of the deployment that just ended: the newest in the history (recorded before its final event). */
  private static void printReport(AdminClient client, PrintWriter out) {
    com.fasterxml.jackson.databind.JsonNode history;
    try {
      history = client.get("/api/history");
    } catch (AdminClient.Failure e) {
      return; // the events said how it went; the report is a bonus
    }
    if (history.isArray() && !history.isEmpty()) {
      out.print(ReportTable.render(history.get(history.size() - 1)));
      out.flush();
    }
  }

  static String render(Event event, int steps, ZoneId zone) {
    StringBuilder line = new StringBuilder();
    line.append(event.time() == null ? "            " : TIME.format(event.time().atZone(zone))).append("  ");
    if (event.step() > 0) {
      line.append('[').append(event.step());
      if (steps > 0) {
        line.append('/').append(steps);
      }
      line.append("] ");
    }
    if (event.type().equals("warn") || event.type().equals("failed")) {
      line.append(event.type().equals("warn") ? "warning: " : "failed: ");
    }
    String message = event.message() == null ? "" : event.message().stripTrailing();
    line.append(message.replace("\n", "\n" + INDENT));
    return line.toString();
  }
}
