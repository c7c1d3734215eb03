package dev.nonstop.cli;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the live release, its servers and the deployment under way.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Option(names = "--json", description = "Print the daemon's JSON as is.")
  boolean json;

  @Option(names = "--no-color", description = "No ANSI colors, even on a terminal.")
  boolean noColor;

  @Override
  public Integer call() {
    boolean color = !noColor && System.console() != null && System.getenv("NO_COLOR") == null;
    return target.call(spec, client -> {
      JsonNode status = client.get("/api/status");
      spec.commandLine().getOut().print(json ? HistoryCommand.pretty(status) : render(status, color));
      return 0;
    });
  }

  /** One block per app: several when the daemon runs several apps and none was named. */
  static String render(JsonNode s, boolean color) {
    if (!s.path("apps").isArray()) {
      return renderApp(s, color);
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode app : s.path("apps")) {
      out.append(out.length() == 0 ? "" : "\n").append(renderApp(app, color));
    }
    return out.toString();
  }

  private static String renderApp(JsonNode s, boolean color) {
    StringBuilder out = new StringBuilder();
    out.append(Table.cell(s, "app")).append(": ").append(paint(color, GREEN, Table.cell(s, "live"))).append(" live");
    if (!Table.cell(s, "previous").equals("-")) {
      out.append(" (previous ").append(Table.cell(s, "previous")).append(')');
    }
    out.append(", listening on ").append(Table.cell(s, "listen"));
    if (s.path("routes").isTextual()) {
      out.append(" for ").append(s.path("routes").asText());
    }
    out.append('\n');
    if (!Table.cell(s, "preview").equals("-")) {
      out.append("preview on ").append(Table.cell(s, "preview")).append('\n');
    }
    if (s.path("maintenance").asBoolean(false)) {
      String message = Table.cell(s, "maintenanceMessage");
      out.append(paint(color, YELLOW, "maintenance: on" + (message.equals("-") ? "" : " (" + message + ")"))).append('\n');
    }
    JsonNode d = s.path("deploying");
    if (d.isObject()) {
      out.append("deploying: #").append(Table.cell(d, "id")).append(' ')
          .append(d.path("kind").asText("deploy")).append(' ')
          .append(Table.cell(d, "from").equals("-") ? "" : Table.cell(d, "from") + " → ").append(Table.cell(d, "to"))
          .append(" (").append(Table.cell(d, "strategy")).append("), step ")
          .append(Table.cell(d, "step")).append('/').append(Table.cell(d, "steps")).append('\n');
    }
    if (s.path("pending").isArray() && !s.path("pending").isEmpty()) {
      List<String> names = new ArrayList<>();
      s.path("pending").forEach(n -> names.add(n.asText()));
      out.append(paint(color, YELLOW, "pending: " + String.join(", ", names)
          + " changed in the configuration; the running servers get it at the next deploy")).append('\n');
    }
    for (JsonNode c : s.path("certificates")) {
      List<String> names = new ArrayList<>();
      c.path("names").forEach(n -> names.add(n.asText()));
      String line;
      if (c.path("notAfter").isTextual()) {
        long days = c.path("daysLeft").asLong();
        line = "certificate " + String.join(", ", names) + ": valid until " + c.path("notAfter").asText()
            + " (" + days + " days), " + Table.cell(c, "source");
      } else {
        line = "certificate " + String.join(", ", names) + ": none yet, " + Table.cell(c, "source");
      }
      boolean bad = c.path("error").isTextual() || !c.path("notAfter").isTextual()
          || c.path("daysLeft").asLong() < 14;
      if (c.path("error").isTextual()) {
        line += " (" + c.path("error").asText() + ")";
      }
      out.append(bad ? paint(color, YELLOW, line) : line).append('\n');
    }
    for (JsonNode g : s.path("groups")) {
      if (g.path("role").asText().equals("canary") && g.path("weight").isNumber()) {
        out.append(paint(color, CYAN, "canary: " + Table.cell(g, "release") + " takes " + g.path("weight").asInt()
            + "% of the clients ('nonstop promote' skips the steps left, 'nonstop abort' rolls back)"))
            .append('\n');
      }
      if (g.path("role").asText().equals("old") && g.path("until").isTextual()) {
        out.append(paint(color, DIM, Table.cell(g, "release") + " is kept warm for a rollback until " + Table.cell(g, "until")))
            .append('\n');
      }
    }
    out.append('\n').append(servers(s.path("groups")).render((column, cell) -> paint(color, column, cell)));
    return out.toString();
  }

  private static Table servers(JsonNode groups) {
    Table table = new Table("RELEASE", "ROLE", "SERVER", "SLOT", "PID", "HEALTH", "ADMIN", "IN-FLIGHT", "STREAMS",
        "REQUESTS", "RESTARTS", "EJECTED");
    for (JsonNode g : groups) {
      for (JsonNode srv : g.path("servers")) {
        String role = Table.cell(g, "role") + (g.path("weight").isNumber() ? " " + g.path("weight").asInt() + "%" : "");
        table.add(Table.cell(g, "release"), role, Table.cell(srv, "name"), Table.cell(srv, "slot"),
            Table.cell(srv, "pid"), Table.cell(srv, "health"), Table.cell(srv, "admin"),
            Table.cell(srv, "inFlight"), Table.cell(srv, "streams"), Table.cell(srv, "requests"),
            Table.cell(srv, "restarts"), Table.cell(srv, "ejections"));
      }
    }
    return table;
  }

  private static final String GREEN = "\u001B[32m";
  private static final String YELLOW = "\u001B[33m";
  private static final String RED = "\u001B[31m";
  private static final String CYAN = "\u001B[36m";
  private static final String DIM = "\u001B[2m";

  /** Role, health and admin state in color: green is good, yellow is passing, red needs a look. */
  private static String paint(boolean color, int column, String cell) {
    String word = cell.trim();
    String code = switch (column) {
      case 1 -> word.startsWith("live") ? GREEN : word.equals("old") ? DIM : CYAN;
      case 5 -> word.equals("UP") ? GREEN : word.equals("DOWN") ? RED : YELLOW;
      case 6 -> word.equals("READY") ? null : word.startsWith("DRAIN") ? YELLOW : RED;
      case 10, 11 -> word.equals("0") || word.equals("-") ? null : YELLOW;
      default -> null;
    };
    return code == null ? cell : paint(color, code, cell);
  }

  private static String paint(boolean color, String code, String text) {
    return color ? code + text + "\u001B[0m" : text;
  }
}
