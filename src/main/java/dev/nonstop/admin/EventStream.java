package dev.nonstop.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@code GET /api/events}: Server-Sent Events for the dashboard. {@code event: deploy} carries every
 * event of every deployment, tagged with it; {@code event: status} carries the status JSON, at once
 * and then every {@value #PING_MS} ms. The page reads it with fetch() so the token stays in the
 * Authorization header, never in a URL.
 *
 * <p>Each stream holds one admin thread for as long as its client stays, so at most
 * {@code maxClients} are served at once (others get 503 and retry). The watcher runs on the
 * deploying thread and only offers to a bounded queue: a client that falls behind is ended, and
 * its EventSource-style reconnect gets the replay.
 */
final class EventStream {
  static final long PING_MS = 1000;
  private static final int CAPACITY = 1024;
  private static final Object OVERFLOW = new Object();

  private final Control control;
  private final int maxClients;
  private final AtomicInteger clients = new AtomicInteger();

  EventStream(Control control, int maxClients) {
    this.control = control;
    this.maxClients = maxClients;
  }

  void send(HttpExchange exchange) throws IOException {
    if (clients.incrementAndGet() > maxClients) {
      clients.decrementAndGet();
      exchange.getResponseHeaders().set("Retry-After", "5");
      Reply.error(exchange, 503, "too many event streams open (expected: at most " + maxClients + ")");
      return;
    }
    try {
      stream(exchange);
    } finally {
      clients.decrementAndGet();
    }
  }

  private void stream(HttpExchange exchange) throws IOException {
    String app = Api.app(exchange);
    BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    Consumer<Object> watcher = e -> {
      if (!queue.offer(e)) {
        queue.clear();
        queue.offer(OVERFLOW);
      }
    };
    Object first = control.status(app); // an unknown app is refused before the stream begins
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
      write(out, "status", first);
      control.watch(app, watcher);
      long nextPing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_MS);
      while (true) {
        Object e = queue.poll(Math.max(0, nextPing - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (e == OVERFLOW) {
          return;
        }
        if (e != null) {
          write(out, "deploy", e);
        }
        if (System.nanoTime() - nextPing >= 0) {
          write(out, "status", control.status(app));
          nextPing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PING_MS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is closing
    } catch (IOException e) {
      // the client went away: nothing to tell it
    } finally {
      control.unwatch(watcher);
    }
  }

  private static void write(OutputStream out, String event, Object data) throws IOException {
    // JSON from Jackson has no raw newlines, so one data line per event
    String json = Json.mapper().writeValueAsString(data);
    out.write(("event: " + event + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
