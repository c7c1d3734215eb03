package dev.nonstop.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain-socket HTTP/1.1 client: writes exactly the bytes a test gives, reads one response. */
final class RawClient implements AutoCloseable {
  record Response(int status, Map<String, String> headers, byte[] bytes,
      Map<String, String> trailers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body as UTF-8 text. */
    String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(InetSocketAddress address) throws IOException {
    this(address, 0);
  }

  /**
   * With a receive buffer of {@code receiveBuffer} bytes, set before the connection opens so that
   * the window follows it (0: the system's): a small one keeps most of a large response waiting in
   * the proxy.
   */
  RawClient(InetSocketAddress address, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(address);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  RawClient send(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  Response get(String path) throws IOException {
    send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
    return read(false);
  }

  Response read() throws IOException {
    return read(false);
  }

  /** Reads one response; {@code head} when it answers a HEAD (no body whatever the headers say). */
  Response read(boolean head) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    readFields(headers);
    Map<String, String> trailers = new LinkedHashMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (head || status == 204 || status == 304 || status / 100 == 1) {
      // no body
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      int size;
      while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
        body.write(in.readNBytes(size));
        line();
      }
      readFields(trailers);
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(status, headers, body.toByteArray(), trailers);
  }

  /** Reads header (or trailer) lines up to the empty line. */
  private void readFields(Map<String, String> into) throws IOException {
    String l;
    while (!(l = line()).isEmpty()) {
      int colon = l.indexOf(':');
      String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = l.substring(colon + 1).trim();
      into.merge(name, value, (a, b) -> a + ", " + b);
    }
  }

  /**
   * True when the server closed the connection (EOF or reset) before sending anything more; false
   * when it sent more, or nothing came within the read timeout (the connection is still open).
   */
  boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
