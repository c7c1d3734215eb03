package dev.nonstop.health;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP server on 127.0.0.1 whose answers a test switches: a status, a hang, or closed. */
final class FakeBackendServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger hits = new AtomicInteger();
  private final AtomicReference<String> lastRequest = new AtomicReference<>();
  private final CountDownLatch hangUntil = new CountDownLatch(1);
  private volatile boolean hang;

  FakeBackendServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      lastRequest.set(exchange.getRequestMethod() + " " + exchange.getRequestURI()
          + " host=" + exchange.getRequestHeaders().getFirst("Host")
          + " connection=" + exchange.getRequestHeaders().getFirst("Connection"));
      if (hang) {
        try {
          hangUntil.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.sendResponseHeaders(status.get(), -1);
      exchange.close();
    });
    server.setExecutor(executor);
    server.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", server.getAddress().getPort());
  }

  void answer(int statusCode) {
    status.set(statusCode);
  }

  void hang() {
    hang = true;
  }

  int hits() {
    return hits.get();
  }

  String lastRequest() {
    return lastRequest.get();
  }

  /** Stops listening: later connections are refused. */
  @Override
  public void close() {
    hangUntil.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
