package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The {@code /api/} handlers: each parses, makes one call on {@link Control}, renders. */
final class Api {
  private final Control control;

  Api(Control control) {
    this.control = control;
  }

  /** The {@code app} query parameter, or null: which app a call is about. */
  static String app(HttpExchange exchange) {
    String query = exchange.getRequestURI().getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("app=")) {
        String name = URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8);
        return name.isEmpty() ? null : name;
      }
    }
    return null;
  }

  void status(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, control.status(app(exchange)));
  }

  void history(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, control.history(app(exchange)));
  }

  void deploy(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.deploy(app(exchange), Body.deployRequest(exchange)));
  }

  void rollback(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.rollback(app(exchange)));
  }

  void promote(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.promote(app(exchange)));
  }

  void abort(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, Map.of("message", control.abort(app(exchange))));
  }

  void maintenance(HttpExchange exchange) throws IOException {
    Body.Maintenance m = Body.maintenance(exchange);
    control.maintenance(app(exchange), m.on(), m.message());
    Reply.noContent(exchange);
  }
}
