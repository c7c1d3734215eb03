package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * A deployment's report as the few lines printed at the end of {@code deploy}, {@code rollback}
 * and {@code promote}: what ran, each step's time, each drain, the traffic served meanwhile.
 */
final class ReportTable {
  private ReportTable() {}

  static String render(JsonNode r) {
    StringBuilder out = new StringBuilder();
    out.append('\n').append(Table.cell(r, "kind")).append(" #").append(Table.cell(r, "id")).append(": ")
        .append(Table.cell(r, "from").equals("-") ? "" : Table.cell(r, "from") + " → ").append(Table.cell(r, "to"))
        .append(", ").append(Table.cell(r, "strategy")).append(", ").append(Table.cell(r, "result"))
        .append(" in ").append(HistoryCommand.duration(r.path("durationMs"))).append('\n');
    Table steps = new Table("STEP", "TOOK", "RESULT", "WHAT");
    for (JsonNode s : r.path("steps")) {
      steps.add(Table.cell(s, "step"), HistoryCommand.duration(s.path("ms")), Table.cell(s, "result"), Table.cell(s, "title"));
      for (JsonNode d : r.path("drains")) {
        if (d.path("step").asInt() == s.path("step").asInt()) {
          steps.add("", HistoryCommand.duration(d.path("ms")), "drained", Table.cell(d, "server") + " ("
              + Table.cell(d, "release") + ")"
              + (d.path("cancelled").asInt() > 0 ? ", " + d.path("cancelled").asInt() + " cancelled at the timeout" : ""));
        }
      }
    }
    out.append(steps.render());
    out.append("requests: ").append(Table.cell(r, "total")).append(" served");
    String byRelease = byRelease(r.path("requests"));
    if (!byRelease.isEmpty()) {
      out.append(" (").append(byRelease).append(')');
    }
    out.append(", ").append(Table.cell(r, "failed")).append(" failed (").append(Table.cell(r, "appErrors"))
        .append(" by the app, ").append(Table.cell(r, "proxyErrors")).append(" by the proxy)\n");
    out.append("latency: p50 ").append(ms(r.path("p50Ms"))).append(", p99 ").append(ms(r.path("p99Ms")))
        .append(", max ").append(ms(r.path("maxMs")));
    if (r.path("switchMicros").isNumber()) {
      out.append("; switch ").append(String.format(Locale.ROOT, "%.0f µs", r.path("switchMicros").asDouble()));
    }
    if (r.path("longestDrainMs").asLong() > 0) {
      out.append("; longest drain ").append(HistoryCommand.duration(r.path("longestDrainMs")));
    }
    JsonNode v = r.path("verdict");
    if (v.isObject()) {
      out.append("\nverdict: ").append(Table.cell(v, "outcome")).append(": ").append(Table.cell(v, "reason"));
      out.append("\n  ").append(numbers(v.path("newer"), "new"));
      if (v.path("older").isObject()) {
        out.append("\n  ").append(numbers(v.path("older"), "old"));
      }
    }
    if (r.path("undoMs").isNumber()) {
      out.append("\nundone in ").append(HistoryCommand.duration(r.path("undoMs")))
          .append(r.path("from").isTextual() ? ": " + r.path("from").asText() + " is live again" : "");
    }
    JsonNode st = r.path("streams");
    if (st.isObject() && (st.path("opened").asLong() > 0 || st.path("closedByApp").asLong() > 0
        || st.path("closedByProxy").asLong() > 0 || st.path("closedByClient").asLong() > 0)) {
      out.append("\nstreams (WebSockets, event streams): ").append(st.path("opened").asLong()).append(" opened; closed by the app ")
          .append(st.path("closedByApp").asLong()).append(", by the proxy ").append(st.path("closedByProxy").asLong())
          .append(", by clients ").append(st.path("closedByClient").asLong()).append("; the longest ")
          .append(HistoryCommand.duration(st.path("longestMs")));
    }
    for (JsonNode c : r.path("certificates")) {
      out.append("\ncertificate ").append(c.asText());
    }
    return out.append('\n').toString();
  }

  /** One release's line of a verdict: {@code new 1.0.2: 251 requests, 250 errors (99.6%), p99 3.1 ms}. */
  private static String numbers(JsonNode n, String which) {
    long requests = n.path("requests").asLong();
    long errors = n.path("errors").asLong();
    String share = requests == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * errors / requests);
    return which + " " + Table.cell(n, "release") + ": " + requests + " requests, " + errors + " errors (" + share
        + "), p99 " + ms(n.path("p99Ms"));
  }

  private static String byRelease(JsonNode requests) {
    StringBuilder out = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = requests.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.append(out.length() == 0 ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue().asText());
    }
    return out.toString();
  }

  private static String ms(JsonNode value) {
    return value.isNumber() ? String.format(Locale.ROOT, "%.1f ms", value.asDouble()) : "-";
  }
}
