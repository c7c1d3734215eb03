package dev.nonstop.admin;

import dev.nonstop.deploy.Progress;
import com.sun.net.httpserver.HttpExchange;
import dev.nonstop.deploy.Event;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a deployment's events to one client as NDJSON, one event a line, until the final one.
 *
 * <p>The listener runs on the deploying thread and only offers to a bounded queue, so a slow
 * client never slows the deployment: when the queue is full the client is dropped (told so in a
 * last {@code warn} line). The exchange's thread takes from the queue and writes. A client that
 * goes away shows as a failed write; either way the listener is unsubscribed.
 */
final class ProgressStream {
  static final String STEPS_HEADER = "Nonstop-Steps";
  private static final Logger log = LoggerFactory.getLogger(ProgressStream.class);
  private static final int CAPACITY = 4096;
  private static final Event OVERFLOW = new Event(Instant.EPOCH, "overflow", 0, "");

  private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final Consumer<Event> listener = this::offer;
  private boolean dropped; // guarded by this: replay and live delivery may come from two threads

  private ProgressStream() {}

  static void send(HttpExchange exchange, Progress progress) throws IOException {
    new ProgressStream().run(exchange, progress);
  }

  private void run(HttpExchange exchange, Progress progress) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if (progress.steps() > 0) {
      exchange.getResponseHeaders().set(STEPS_HEADER, Integer.toString(progress.steps()));
    }
    exchange.sendResponseHeaders(200, 0);
    progress.subscribe(listener);
    try (OutputStream out = exchange.getResponseBody()) {
      while (true) {
        Event event = queue.take();
        if (event == OVERFLOW) {
          log.warn("admin: dropped a progress client that fell {} events behind", CAPACITY);
          event = new Event(Instant.now(), "warn", 0, "this client fell " + CAPACITY + " events behind and was dropped; the deployment goes on (see: nonstop status)");
          write(out, event);
          return;
        }
        write(out, event);
        if (event.isFinal()) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is closing
    } finally {
      progress.unsubscribe(listener);
    }
  }

  private synchronized void offer(Event event) {
    if (dropped) {
      return;
    }
    if (!queue.offer(event)) {
      dropped = true;
      queue.clear();
      queue.add(OVERFLOW);
    }
  }

  private static void write(OutputStream out, Event event) throws IOException {
    byte[] line = Json.mapper().writeValueAsBytes(event);
    out.write(line);
    out.write('\n');
    out.flush();
  }
}
