package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket backend on 127.0.0.1:0 for misbehaviour HTTP servers will not do: each accepted
 * connection runs {@link Script} on its own thread. {@link #kill()} closes the listener and resets
 * every open connection.
 */
final class SocketBackend implements AutoCloseable {
  interface Script {
    void run(Socket socket, SocketBackend backend) throws IOException;
  }

  final ServerSocket server;
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  /** Connections this side has closed (their FIN is on its way once this counts them). */
  final AtomicInteger closed = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  SocketBackend(Script script) throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0), 256);
    threads.execute(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          open.add(s);
          threads.execute(() -> {
            try {
              script.run(s, this);
            } catch (IOException e) {
              // the peer went away: normal for these scripts
            } finally {
              open.remove(s);
              closeQuietly(s);
              closed.incrementAndGet();
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  Backend backend(String label) {
    return new Backend((InetSocketAddress) server.getLocalSocketAddress(), label, Health.UP);
  }

  /** Reads one request and returns its head (the body is read and dropped); null at end of stream. */
  String readRequest(InputStream in) throws IOException {
    String whole = readWhole(in);
    return whole == null ? null : whole.substring(0, whole.indexOf("\r\n\r\n") + 4);
  }

  /**
   * Reads one request, head and body (Content-Length or chunked), and returns the head followed
   * by the body's bytes (de-chunked); null at end of stream.
   */
  String readWhole(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      head.append((char) c);
      if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
        requests.incrementAndGet();
        String h = head.toString();
        String lower = h.toLowerCase();
        int i = lower.indexOf("content-length:");
        if (i >= 0) {
          int n = Integer.parseInt(h.substring(i + 15, h.indexOf("\r\n", i)).trim());
          return h + new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
        }
        if (lower.contains("transfer-encoding: chunked")) {
          StringBuilder body = new StringBuilder();
          int size;
          while ((size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0) {
            body.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
            line(in);
          }
          while (!line(in).isEmpty()) {
            // trailers
          }
          return h + body;
        }
        return h;
      }
    }
    return null;
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  static byte[] ok(String body) {
    return ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Closes the listener and resets every open connection (SO_LINGER 0). */
  void kill() {
    closeQuietly(server);
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        // already closed
      }
      closeQuietly(s);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    kill();
    threads.shutdownNow();
  }
}
