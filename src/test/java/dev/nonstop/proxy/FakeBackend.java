package dev.nonstop.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on 127.0.0.1:0 (the JDK's server), answering "NAME METHOD PATH BODYLENGTH"
 * unless a test gives its own handler. Records every request it saw.
 */
final class FakeBackend implements AutoCloseable {
  interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  record Seen(String method, String path, com.sun.net.httpserver.Headers headers, long bodyLength) {}

  final String name;
  final HttpServer server;
  final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
  final AtomicInteger requests = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  volatile Handler handler;

  FakeBackend(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::serve);
    server.start();
  }

  Backend backend() {
    return new Backend(server.getAddress(), name, Health.UP);
  }

  private void serve(HttpExchange ex) throws IOException {
    try {
      requests.incrementAndGet();
      Handler h = handler;
      if (h != null) {
        h.handle(ex);
        return;
      }
      long n = drain(ex.getRequestBody());
      seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(),
          ex.getRequestHeaders(), n));
      byte[] body = (name + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " " + n)
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        ex.sendResponseHeaders(200, -1);
      } else {
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } finally {
      ex.close();
    }
  }

  static long drain(InputStream in) throws IOException {
    byte[] buf = new byte[16384];
    long n = 0;
    int r;
    while ((r = in.read(buf)) > 0) {
      n += r;
    }
    return n;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
