package dev.nonstop.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.nonstop.config.Batch;
import dev.nonstop.config.Strategy;
import dev.nonstop.deploy.DeployRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Set;

/** Reads and validates request bodies; every failure is a {@link BadRequest} saying what was expected. */
final class Body {
  private static final int MAX_BYTES = 64 * 1024;
  private static final Set<String> DEPLOY_FIELDS = Set.of("version", "strategy", "batch", "surge", "preview",
      "bake");
  private static final Set<String> MAINTENANCE_FIELDS = Set.of("on", "message");

  /** What {@code POST /api/maintenance} asks for; {@code message} is null for the default page. */
  record Maintenance(boolean on, String message) {}

  private Body() {}

  static DeployRequest deployRequest(HttpExchange exchange) throws IOException {
    JsonNode body = object(exchange, DEPLOY_FIELDS, "{\"version\": \"1.0.3\", \"strategy\": \"blue-green\", \"batch\": \"50%\", \"surge\": 1, \"preview\": false}");
    String version = text(body, "version", true);
    String strategy = text(body, "strategy", false);
    if (strategy != null) {
      strategy = parse(() -> Strategy.parse(body.get("strategy").asText()).word());
    }
    String batch = null;
    JsonNode b = body.get("batch");
    if (b != null && !b.isNull()) {
      if (!b.isTextual() && !b.canConvertToInt()) {
        throw new BadRequest("batch: " + b + " (expected: a count like 2 or a percent like \"50%\")");
      }
      batch = parse(() -> Batch.parse(b.asText()).toString());
    }
    Integer surge = null;
    JsonNode s = body.get("surge");
    if (s != null && !s.isNull()) {
      if (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 0) {
        throw new BadRequest("surge: " + s + " (expected: a whole number >= 0)");
      }
      surge = s.asInt();
    }
    String bake = text(body, "bake", false);
    if (bake != null) {
      try {
        dev.nonstop.config.Durations.parse(bake);
      } catch (IllegalArgumentException e) {
        throw new BadRequest("bake: " + bake + " (expected: " + e.getMessage() + ")");
      }
      bake = bake.strip();
    }
    return new DeployRequest(version, strategy, batch, surge, bool(body, "preview", false), bake);
  }

  static Maintenance maintenance(HttpExchange exchange) throws IOException {
    JsonNode body = object(exchange, MAINTENANCE_FIELDS, "{\"on\": true, \"message\": \"Back soon\"}");
    if (body.get("on") == null || body.get("on").isNull()) {
      throw new BadRequest("on: missing (expected: true or false)");
    }
    return new Maintenance(bool(body, "on", false), text(body, "message", false));
  }

  private static JsonNode object(HttpExchange exchange, Set<String> fields, String example) throws IOException {
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw new BadRequest("body: over " + MAX_BYTES + " bytes (expected: a small JSON object like " + example + ")");
    }
    JsonNode node;
    try {
      node = Json.mapper().readTree(bytes);
    } catch (JacksonException e) {
      throw new BadRequest("body: not JSON (" + e.getOriginalMessage() + "; expected: " + example + ")");
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest("body: " + (node == null || node.isMissingNode() ? "empty" : node.getNodeType().toString().toLowerCase()) + " (expected: an object like " + example + ")");
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new BadRequest(name + ": unknown field (expected: " + example + ")");
      }
    }
    return node;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw new BadRequest(field + ": missing (expected: a string)");
      }
      return null;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      throw new BadRequest(field + ": " + n + " (expected: a non-blank string)");
    }
    return n.asText();
  }

  private static boolean bool(JsonNode body, String field, boolean otherwise) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return otherwise;
    }
    if (!n.isBoolean()) {
      throw new BadRequest(field + ": " + n + " (expected: true or false)");
    }
    return n.asBoolean();
  }

  private static String parse(java.util.function.Supplier<String> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
  }
}
