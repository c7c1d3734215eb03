package dev.nonstop.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nonstop.deploy.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.ObjIntConsumer;

/**
 * A client of the admin API of one running nonstop. Every failure is a {@link Failure} whose
 * message is ready for the person at the terminal. Used by one command on one thread.
 *
 * <p>Plain HTTP/1.1 over {@link HttpURLConnection}: {@code java.net.http.HttpClient} sets up the
 * TLS stack (and reads the trust store) even for an {@code http:} address, which cost a client
 * command a third of its start.
 */
final class AdminClient {
  private static final int CONNECT_TIMEOUT_MS = 3_000;
  private static final int CALL_TIMEOUT_MS = 30_000;

  /** A call that could not be made or was refused; exit code 1. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  private final Target target;
  /** The app every call is about ({@code --app}), or null: the only one. */
  private final String app;

  AdminClient(Target target) {
    this(target, null);
  }

  AdminClient(Target target, String app) {
    this.target = target;
    this.app = app;
  }

  /** The app named with {@code --app}, or null. */
  String app() {
    return app;
  }

  Target target() {
    return target;
  }

  JsonNode get(String path) {
    HttpURLConnection call = open(path, CALL_TIMEOUT_MS);
    return read(call, send(call, null));
  }

  /** Posts {@code body} as JSON; the answer, or a null node for 204. */
  JsonNode post(String path, ObjectNode body) {
    HttpURLConnection call = open(path, CALL_TIMEOUT_MS);
    return read(call, send(call, json(body)));
  }

  /**
   * Posts {@code body} and hands each streamed event, with the plan's step count (0 if unknown),
   * to {@code onEvent} as it arrives.
   *
   * @return the final event
   * @throws Failure when refused, or when the stream ends before a final event
   */
  Event stream(String path, ObjectNode body, ObjIntConsumer<Event> onEvent) {
    // no read timeout: a step may rightly take minutes (a health deadline, a drain) without a line
    HttpURLConnection call = open(path, /* readTimeoutMs= */ 0);
    int status = send(call, json(body));
    if (status != 200) {
      throw refused(status, body(call, status));
    }
    String stepsHeader = call.getHeaderField("Nonstop-Steps");
    int steps = stepsHeader == null ? 0 : Integer.parseInt(stepsHeader.trim());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(call.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        Event event = event(line);
        onEvent.accept(event, steps);
        if (event.isFinal()) {
          return event;
        }
      }
    } catch (IOException e) {
      throw lost(e);
    } finally {
      call.disconnect();
    }
    throw new Failure("the stream from nonstop at " + target.address() + " ended before the deployment did (see: nonstop status)");
  }

  private HttpURLConnection open(String path, int readTimeoutMs) {
    try {
      // never through an http.proxyHost: the admin address is one this machine reaches itself
      String query = app == null ? "" : (path.contains("?") ? "&" : "?") + "app="
          + java.net.URLEncoder.encode(app, StandardCharsets.UTF_8);
      HttpURLConnection call = (HttpURLConnection) URI.create("http://" + target.address() + path + query).toURL()
          .openConnection(Proxy.NO_PROXY);
      call.setConnectTimeout(CONNECT_TIMEOUT_MS);
      call.setReadTimeout(readTimeoutMs);
      call.setUseCaches(false);
      call.setRequestProperty("Authorization", "Bearer " + target.token());
      call.setRequestProperty("Accept", "application/json");
      return call;
    } catch (IOException e) {
      throw new IllegalArgumentException("path: " + path + " (expected: an absolute path of the admin API)", e);
    }
  }

  private static byte[] json(ObjectNode body) {
    return JsonText.compact(body).getBytes(StandardCharsets.UTF_8);
  }

  /** One line of a stream: {@code {"time": ISO-8601, "type": ..., "step": n, "message": ...}}. */
  private Event event(String line) {
    try {
      JsonNode e = JsonText.read(line);
      if (e.path("type").isTextual()) {
        JsonNode time = e.path("time");
        JsonNode message = e.path("message");
        return new Event(time.isTextual() ? Instant.parse(time.asText()) : null, e.path("type").asText(),
            e.path("step").asInt(), message.isTextual() ? message.asText() : null);
      }
    } catch (IOException | DateTimeParseException e) {
      // said below
    }
    throw new Failure("nonstop at " + target.address() + " sent a line that is not an event: " + line);
  }

  /** Sends the request, a POST when there is a body, and returns the response's status. */
  private int send(HttpURLConnection call, byte[] body) {
    try {
      if (body != null) {
        call.setRequestMethod("POST");
        call.setDoOutput(true);
        call.setRequestProperty("Content-Type", "application/json");
      }
      call.connect();
    } catch (ConnectException | SocketTimeoutException e) {
      throw new Failure(target.notRunning());
    } catch (IOException e) {
      throw lost(e);
    }
    try {
      if (body != null) {
        try (OutputStream out = call.getOutputStream()) {
          out.write(body);
        }
      }
      return call.getResponseCode();
    } catch (IOException e) {
      throw lost(e);
    }
  }

  /** The whole body of a response, whatever its status. */
  private String body(HttpURLConnection call, int status) {
    try (InputStream in = status >= 400 ? call.getErrorStream() : call.getInputStream()) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw lost(e);
    } finally {
      call.disconnect();
    }
  }

  private JsonNode read(HttpURLConnection call, int status) {
    String body = body(call, status);
    if (status / 100 != 2) {
      throw refused(status, body);
    }
    if (body.isEmpty()) {
      return NullNode.getInstance();
    }
    try {
      return JsonText.read(body);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
      throw new Failure("nonstop at " + target.address() + " answered with something that is not JSON: " + why);
    }
  }

  /** The server's {@code {"error": ...}} message, or the status and body when there is none. */
  private static Failure refused(int status, String body) {
    try {
      JsonNode error = JsonText.read(body).path("error");
      if (error.isTextual()) {
        return new Failure(error.asText());
      }
    } catch (IOException e) {
      // not ours: show it raw
    }
    return new Failure("HTTP " + status + (body.isBlank() ? "" : ": " + body.strip()));
  }

  private Failure lost(Throwable e) {
    return new Failure("lost the connection to nonstop at " + target.address() + ": " + e.getMessage());
  }
}
