package dev.nonstop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.nonstop.admin.Json;
import dev.nonstop.deploy.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.ObjIntConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A client of the admin API of one running nonstop. Every failure is a {@link Failure} whose
 * message is ready for the person at the terminal. Used by one command on one thread.
 */
final class AdminClient {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /** A call that could not be made or was refused; exit code 1. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  private final Target target;
  private final HttpClient http;

  AdminClient(Target target) {
    this.target = target;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(3))
        .build();
  }

  Target target() {
    return target;
  }

  JsonNode get(String path) {
    return read(send(request(path).timeout(CALL_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** Posts {@code body} as JSON; the answer, or a null node for 204. */
  JsonNode post(String path, Object body) {
    return read(send(posting(path, body).timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()));
  }

  /**
   * Posts {@code body} and hands each streamed event, with the plan's step count (0 if unknown),
   * to {@code onEvent} as it arrives.
   *
   * @return the final event
   * @throws Failure when refused, or when the stream ends before a final event
   */
  Event stream(String path, Object body, ObjIntConsumer<Event> onEvent) {
    HttpResponse<Stream<String>> response = send(posting(path, body).build(), HttpResponse.BodyHandlers.ofLines());
    try (Stream<String> lines = response.body()) {
      if (response.statusCode() != 200) {
        throw refused(response.statusCode(), lines.collect(Collectors.joining("\n")));
      }
      int steps = response.headers().firstValue("Nonstop-Steps").map(Integer::parseInt).orElse(0);
      for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        if (line.isBlank()) {
          continue;
        }
        Event event = Json.mapper().readValue(line, Event.class);
        onEvent.accept(event, steps);
        if (event.isFinal()) {
          return event;
        }
      }
    } catch (JsonProcessingException e) {
      throw new Failure("nonstop at " + target.address() + " sent a line that is not an event: " + e.getOriginalMessage());
    } catch (UncheckedIOException e) {
      throw lost(e.getCause());
    }
    throw new Failure("the stream from nonstop at " + target.address() + " ended before the deployment did (see: nonstop status)");
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://" + target.address() + path))
        .header("Authorization", "Bearer " + target.token());
  }

  private HttpRequest.Builder posting(String path, Object body) {
    try {
      return request(path)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("body: " + body + " (expected: something Jackson can write)", e);
    }
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new Failure(target.notRunning());
    } catch (IOException e) {
      throw lost(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
  }

  private JsonNode read(HttpResponse<String> response) {
    if (response.statusCode() / 100 != 2) {
      throw refused(response.statusCode(), response.body());
    }
    if (response.body().isEmpty()) {
      return NullNode.getInstance();
    }
    try {
      return Json.mapper().readTree(response.body());
    } catch (JsonProcessingException e) {
      throw new Failure("nonstop at " + target.address() + " answered with something that is not JSON: " + e.getOriginalMessage());
    }
  }

  /** The server's {@code {"error": ...}} message, or the status and body when there is none. */
  private static Failure refused(int status, String body) {
    try {
      JsonNode error = Json.mapper().readTree(body).path("error");
      if (error.isTextual()) {
        return new Failure(error.asText());
      }
    } catch (JsonProcessingException e) {
      // not ours: show it raw
    }
    return new Failure("HTTP " + status + (body.isBlank() ? "" : ": " + body.strip()));
  }

  private Failure lost(Throwable e) {
    return new Failure("lost the connection to nonstop at " + target.address() + ": " + e.getMessage());
  }
}
