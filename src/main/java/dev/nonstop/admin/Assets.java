package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The dashboard's static files, from the jar's {@code /dashboard/} folder. They hold no data, so
 * they are served without the token; every call the page makes for data carries it.
 */
final class Assets {
  private Assets() {}

  static void page(HttpExchange exchange) throws IOException {
    send(exchange, "index.html", "text/html; charset=utf-8");
  }

  static void script(HttpExchange exchange) throws IOException {
    send(exchange, "dashboard.js", "text/javascript; charset=utf-8");
  }

  static void style(HttpExchange exchange) throws IOException {
    send(exchange, "dashboard.css", "text/css; charset=utf-8");
  }

  private static void send(HttpExchange exchange, String name, String type) throws IOException {
    byte[] body;
    try (InputStream in = Assets.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        Reply.error(exchange, 404, "the dashboard is not in this build: /dashboard/" + name);
        return;
      }
      body = in.readAllBytes();
    }
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    // the page only talks to its own origin and is never framed
    exchange.getResponseHeaders().set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
