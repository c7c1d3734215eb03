package dev.nonstop.health;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 GET over a fresh blocking socket, reading only the status line (the rest of the
 * answer is not needed and the socket is closed). Runs on a checker thread; the whole probe,
 * connect to status line, gets one deadline.
 */
final class Probe {
  /** What one probe found: a pass (2xx or 3xx) or not, and a few words for the reason. */
  record Result(boolean passed, String detail) {}

  private static final int MAX_STATUS_LINE = 1024;

  private Probe() {}

  static Result get(InetSocketAddress address, String path, Duration timeout) {
    long timeoutNanos = timeout.toNanos();
    long deadline = System.nanoTime() + timeoutNanos;
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      if (address.isUnresolved()) {
        address = new InetSocketAddress(address.getHostString(), address.getPort());
        if (address.isUnresolved()) {
          return new Result(false, "unknown host " + address.getHostString());
        }
      }
      socket.connect(address, remainingMillis(deadline));
      OutputStream out = socket.getOutputStream();
      out.write(request(address, path));
      out.flush();
      return status(readStatusLine(socket, deadline));
    } catch (ConnectException e) {
      return new Result(false, "connection refused");
    } catch (SocketTimeoutException e) {
      return new Result(false, "timeout after " + timeout.toMillis() + "ms");
    } catch (UnknownHostException e) {
      return new Result(false, "unknown host " + address.getHostString());
    } catch (IOException e) {
      return new Result(false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }

  /** Socket timeouts count per call; this turns the probe's one deadline into them. */
  private static int remainingMillis(long deadline) throws SocketTimeoutException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) {
      throw new SocketTimeoutException();
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  private static byte[] request(InetSocketAddress address, String path) {
    String host = address.getHostString();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return ("GET " + path + " HTTP/1.1\r\n"
            + "Host: " + host + ":" + address.getPort() + "\r\n"
            + "User-Agent: nonstop-health\r\n"
            + "Accept: */*\r\n"
            + "Connection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String readStatusLine(Socket socket, long deadline) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[MAX_STATUS_LINE];
    int n = 0;
    while (n < buf.length) {
      socket.setSoTimeout(remainingMillis(deadline));
      int read = in.read(buf, n, buf.length - n);
      if (read == -1) {
        break;
      }
      for (int i = n; i < n + read; i++) {
        if (buf[i] == '\n') {
          return new String(buf, 0, i, StandardCharsets.ISO_8859_1).strip();
        }
      }
      n += read;
    }
    if (n == 0) {
      throw new IOException("connection closed before a response");
    }
    return new String(buf, 0, n, StandardCharsets.ISO_8859_1).strip();
  }

  static Result status(String statusLine) {
    // HTTP/1.1 200 OK
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3) {
      return new Result(false, "not an HTTP response: '" + abbreviate(statusLine) + "'");
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return new Result(false, "not an HTTP response: '" + abbreviate(statusLine) + "'");
    }
    return new Result(status >= 200 && status < 400, "status " + status);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
