package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "history", mixinStandardHelpOptions = true, description = "List past deployments with their reports.")
final class HistoryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Option(names = "--json", description = "Print the daemon's JSON as is.")
  boolean json;

  @Override
  public Integer call() {
    return target.call(spec, client -> {
      JsonNode history = client.get("/api/history");
      PrintWriter out = spec.commandLine().getOut();
      out.print(json ? pretty(history) : table(history));
      return 0;
    });
  }

  static String table(JsonNode history) {
    if (!history.isArray() || history.isEmpty()) {
      return "no deployments yet\n";
    }
    Table table = new Table("ID", "KIND", "STRATEGY", "FROM → TO", "RESULT", "DURATION", "REQUESTS", "FAILED",
        "VERDICT");
    for (JsonNode d : history) {
      table.add(Table.cell(d, "id"), Table.cell(d, "kind"), Table.cell(d, "strategy"),
          Table.cell(d, "from") + " → " + Table.cell(d, "to"), Table.cell(d, "result"),
          duration(d.path("durationMs")), requests(d.path("requests")), Table.cell(d, "failed"), verdict(d.path("verdict")));
    }
    return table.render();
  }

  /**
   * {@code 850ms}, {@code 12.3s}, {@code 4m05s}, whatever the locale. Plain arithmetic: a
   * {@code String.format} of a number loads the locale's number symbols, a tenth of a client
   * command's start.
   */
  static String duration(JsonNode millis) {
    if (!millis.canConvertToLong()) {
      return "-";
    }
    long ms = millis.asLong();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      long tenths = (ms + 50) / 100; // half up, as %.1f rounds
      return tenths / 10 + "." + tenths % 10 + "s";
    }
    long seconds = ms / 1000 % 60;
    return ms / 60_000 + "m" + (seconds < 10 ? "0" : "") + seconds + "s";
  }

  /** The total over every release; the per-release counts are in {@code --json}. */
  private static String requests(JsonNode byRelease) {
    if (byRelease.isNumber()) {
      return byRelease.asText();
    }
    if (!byRelease.isObject()) {
      return "-";
    }
    long total = 0;
    for (JsonNode n : byRelease) {
      total += n.asLong();
    }
    return Long.toString(total);
  }

  static String pretty(JsonNode node) {
    return JsonText.pretty(node) + "\n";
  }

  /** The judge's verdict in a few words: {@code failed: a server exited: ...}, or - when not judged. */
  static String verdict(com.fasterxml.jackson.databind.JsonNode v) {
    if (!v.isObject()) {
      return "-";
    }
    String reason = v.path("reason").asText("");
    int cut = reason.indexOf(':');
    return v.path("outcome").asText("-") + (v.path("outcome").asText().equals("failed") && !reason.isEmpty()
        ? ": " + (cut > 0 && cut < 40 ? reason.substring(0, cut) : reason.length() > 40 ? reason.substring(0, 40) + "…" : reason)
        : "");
  }
}
