package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The read-only views for scrapers and the dashboard: {@code /metrics} (Prometheus text, outside
 * {@code /api/} so without the token, like most scrape targets; the admin address is loopback by
 * default) and {@code /api/series} (with the token).
 */
final class Observe {
  private final Control control;

  Observe(Control control) {
    this.control = control;
  }

  void metrics(HttpExchange exchange) throws IOException {
    byte[] body = control.metrics().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  void series(HttpExchange exchange) throws IOException {
    Reply.json(exchange, 200, control.series(Api.app(exchange)));
  }
}
