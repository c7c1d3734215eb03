package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Map;

/** The {@code /api/} handlers: each parses, makes one call on {@link Control}, renders. */
final class Api {
  private final Control control;

  Api(Control control) {
    this.control = control;
  }

  void status(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, control.status());
  }

  void history(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, control.history());
  }

  void deploy(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.deploy(Body.deployRequest(exchange)));
  }

  void rollback(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.rollback());
  }

  void promote(HttpExchange exchange) throws IOException {
    ProgressStream.send(exchange, control.promote());
  }

  void abort(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, Map.of("message", control.abort()));
  }

  void maintenance(HttpExchange exchange) throws IOException {
    Body.Maintenance m = Body.maintenance(exchange);
    control.maintenance(m.on(), m.message());
    Reply.noContent(exchange);
  }
}
