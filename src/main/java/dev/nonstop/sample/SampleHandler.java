package dev.nonstop.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sample's routes: {@code /}, {@code /health}, {@code /slow?ms=N}, and {@code /events}, a
 * server-sent event stream of the version every half second. Runs on the server's executor
 * threads; its shared state is the {@link InFlight} count and the stopping latch.
 */
final class SampleHandler implements HttpHandler {
  private static final Pattern MS = Pattern.compile("(?:^|&)ms=(\\d{1,7})(?:&|$)");
  private static final long MAX_SLOW_MS = 600_000;

  private final SampleOptions options;
  private final InFlight inFlight;
  private final InFlight streams;
  private final java.util.concurrent.CountDownLatch stopping;

  SampleHandler(SampleOptions options, InFlight inFlight, InFlight streams, java.util.concurrent.CountDownLatch stopping) {
    this.options = options;
    this.inFlight = inFlight;
    this.streams = streams;
    this.stopping = stopping;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (exchange.getRequestURI().getPath().equals("/events")) {
      streams.enter();
      try (exchange) {
        events(exchange); // a stream, not a request: the server's drain does not wait for it
      } finally {
        streams.exit();
      }
      return;
    }
    inFlight.enter();
    try (exchange) {
      if (options.logRequests()) {
        System.out.println("request " + exchange.getRequestMethod() + " " + exchange.getRequestURI());
      }
      route(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.exit();
    }
  }

  private void route(HttpExchange exchange) throws IOException, InterruptedException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (options.failRequests() && !path.equals("/health")) {
      send(exchange, 500, "internal error v" + options.version() + " (--fail-requests)\n");
      return;
    }
    switch (path) {
      case "/" -> {
        if (get) {
          send(exchange, 200, "hello v" + options.version() + " from instance " + options.instance() + "\n");
        } else if (method.equals("POST")) {
          long length = drain(exchange.getRequestBody());
          send(exchange, 200, "received " + length + " bytes v" + options.version() + "\n");
        } else {
          send(exchange, 405, "method not allowed: " + method + "\n");
        }
      }
      case "/health" -> {
        if (options.neverHealthy()) {
          send(exchange, 503, "never healthy\n");
        } else {
          send(exchange, 200, "ok\n");
        }
      }
      case "/slow" -> slow(exchange);
      default -> send(exchange, 404, "not found: " + path + "\n");
    }
  }

  /**
   * Server-sent events: the version every half second, until the client goes or the server stops;
   * then one last {@code event: bye}, as an app closes its streams on its stop signal.
   */
  private void events(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    try {
      for (int n = 1; ; n++) {
        out.write(("data: v" + options.version() + " " + n + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (stopping.await(500, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          out.write("event: bye\ndata: stopping\n\n".getBytes(StandardCharsets.UTF_8));
          out.close();
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException gone) {
      // the client went away
    }
  }

  private void slow(HttpExchange exchange) throws IOException, InterruptedException {
    String query = exchange.getRequestURI().getRawQuery();
    Matcher m = MS.matcher(query == null ? "" : query);
    if (!m.find() || Long.parseLong(m.group(1)) > MAX_SLOW_MS) {
      send(exchange, 400, "expected: /slow?ms=N with N at most " + MAX_SLOW_MS + "\n");
      return;
    }
    long ms = Long.parseLong(m.group(1));
    Thread.sleep(ms);
    send(exchange, 200, "slow v" + options.version() + " " + ms + " ms\n");
  }

  private void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.getResponseHeaders().set("X-Version", options.version());
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static long drain(InputStream body) throws IOException {
    long total = 0;
    byte[] buffer = new byte[8192];
    for (int n; (n = body.read(buffer)) != -1; ) {
      total += n;
    }
    return total;
  }
}
