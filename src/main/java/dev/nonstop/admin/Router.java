package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to the handler of its exact method and path, after checking the bearer token
 * for every {@code /api/} path. Turns a handler's {@link ControlException} into its status,
 * {@link BadRequest} into 400, and anything else into 500, as {@code {"error": ...}}.
 *
 * <p>Built on one thread before the server starts, then only read.
 */
final class Router implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  private final Map<String, Map<String, HttpHandler>> routes = new LinkedHashMap<>();
  private final byte[] tokenDigest;

  Router(String token) {
    Objects.requireNonNull(token, "token");
    if (token.isBlank()) {
      throw new IllegalArgumentException("token: blank (expected: a secret)");
    }
    this.tokenDigest = digest(token);
  }

  /** Adds a route; paths under {@code /api/} need the token. */
  Router add(String method, String path, HttpHandler handler) {
    routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
    return this;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith("/api/") && !authorized(exchange)) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        Reply.error(exchange, 401, "missing or wrong admin token (expected: Authorization: Bearer <the token in the state folder's admin.token>)");
        return;
      }
      Map<String, HttpHandler> byMethod = routes.get(path);
      if (byMethod == null) {
        Reply.error(exchange, 404, "no such path: " + path);
        return;
      }
      HttpHandler handler = byMethod.get(exchange.getRequestMethod());
      if (handler == null) {
        exchange.getResponseHeaders().set("Allow", String.join(", ", byMethod.keySet()));
        Reply.error(exchange, 405, exchange.getRequestMethod() + " " + path + " (expected: " + String.join(" or ", byMethod.keySet()) + ")");
        return;
      }
      dispatch(exchange, handler);
    }
  }

  private static void dispatch(HttpExchange exchange, HttpHandler handler) throws IOException {
    try {
      handler.handle(exchange);
    } catch (ControlException e) {
      refuse(exchange, e.status(), e.getMessage());
    } catch (BadRequest e) {
      refuse(exchange, 400, e.getMessage());
    } catch (RuntimeException e) {
      log.error("admin: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
      refuse(exchange, 500, "internal error: " + e);
    }
  }

  /** Answers with an error unless the response has begun, when all that is left is to close. */
  private static void refuse(HttpExchange exchange, int status, String message) throws IOException {
    if (exchange.getResponseCode() == -1) {
      Reply.error(exchange, status, message);
    }
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // digests first so that neither the content nor the length of the token leaks through timing
    return MessageDigest.isEqual(tokenDigest, digest(header.substring(7).trim()));
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
