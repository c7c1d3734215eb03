package dev.nonstop.acme;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plain-HTTP side the proxy will have, as far as the CA sees it: answers
 * {@code /.well-known/acme-challenge/TOKEN} from an {@link Http01Challenges}, or wrongly when
 * told to, and counts the CA's visits.
 */
final class ChallengeServer implements AutoCloseable {
  final Http01Challenges challenges = new Http01Challenges();
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile boolean answerWrongly;

  ChallengeServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  int requests() {
    return requests.get();
  }

  void answerWrongly(boolean wrongly) {
    answerWrongly = wrongly;
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    Optional<String> answer = challenges.answer(exchange.getRequestURI().getRawPath());
    byte[] body = (answerWrongly ? answer.map(a -> "not-" + a) : answer).orElse("not found").getBytes(StandardCharsets.US_ASCII);
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    exchange.sendResponseHeaders(answer.isPresent() ? 200 : 404, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
