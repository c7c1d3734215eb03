package dev.nonstop.demo;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steady HTTP/1.1 traffic from a few threads over keep-alive connections, counting every request
 * that failed (a connection error or a 5xx) and which version answered (the first {@code v1.2.3}
 * in the body). Its client never retries, so a failure the proxy lets through is counted.
 *
 * <p>Thread-safe: worker threads write counters; any thread reads {@link #snapshot()}.
 */
public final class Load implements AutoCloseable {
  private static final Pattern VERSION = Pattern.compile("v(\\d[\\w.+-]*)");

  /** Counts so far; {@code failures} holds the first few, for the report. */
  public record Snapshot(long sent, long ok, long failed, Map<String, Long> versions, List<String> failures) {}

  private final InetSocketAddress target;
  private final String host;
  private final String path;
  private final long pauseNanos;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final LongAdder sent = new LongAdder();
  private final LongAdder ok = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> versions = new ConcurrentHashMap<>();
  private final List<String> failures = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final long started = System.nanoTime();

  private Load(InetSocketAddress target, String path, long pauseNanos) {
    this.target = target;
    if (path.startsWith("//")) { // a network-path reference: //host/path
      int slash = path.indexOf('/', 2);
      this.host = slash < 0 ? path.substring(2) : path.substring(2, slash);
      this.path = slash < 0 ? "/" : path.substring(slash);
    } else {
      this.host = target.getHostString() + ":" + target.getPort();
      this.path = path;
    }
    this.pauseNanos = pauseNanos;
  }

  /**
   * @param path the path asked for; {@code //name/path} asks for it with {@code Host: name} (an app
   *     of several, by its host name), else Host is the target's address
   * @param perThreadRate requests per second per thread at most (0 = as fast as answers come)
   */
  public static Load start(InetSocketAddress target, String path, int threads, int perThreadRate) {
    Load load = new Load(target, path, perThreadRate <= 0 ? 0 : 1_000_000_000L / perThreadRate);
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(load::loop, "load-" + i);
      t.setDaemon(true);
      load.threads.add(t);
      t.start();
    }
    return load;
  }

  private void loop() {
    Socket socket = null;
    InputStream in = null;
    byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host
        + "\r\nUser-Agent: nonstop-load\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    while (running.get()) {
      long t0 = System.nanoTime();
      sent.increment();
      try {
        if (socket == null) {
          socket = new Socket();
          socket.connect(target, 5_000);
          socket.setSoTimeout(30_000);
          socket.setTcpNoDelay(true);
          in = new BufferedInputStream(socket.getInputStream(), 8192);
        }
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        Response r = Response.read(in);
        if (r.status >= 500) {
          fail("HTTP " + r.status + ": " + r.body.strip());
        } else {
          ok.increment();
          Matcher m = VERSION.matcher(r.body);
          versions.computeIfAbsent(m.find() ? m.group(1) : "?", k -> new LongAdder()).increment();
        }
        if (r.close) {
          socket.close();
          socket = null;
        }
      } catch (IOException e) {
        if (running.get()) {
          fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        } else {
          sent.decrement();
        }
        closeQuietly(socket);
        socket = null;
      }
      long rest = pauseNanos - (System.nanoTime() - t0);
      if (rest > 0 && running.get()) {
        LockSupport.parkNanos(rest);
      }
    }
    closeQuietly(socket);
  }

  private void fail(String what) {
    failed.increment();
    synchronized (failures) {
      if (failures.size() < 20) {
        failures.add(String.format("%.3fs %s", (System.nanoTime() - started) / 1e9, what));
      }
    }
  }

  public Snapshot snapshot() {
    Map<String, Long> v = new TreeMap<>();
    versions.forEach((k, n) -> v.put(k, n.sum()));
    List<String> f;
    synchronized (failures) {
      f = List.copyOf(failures);
    }
    return new Snapshot(sent.sum(), ok.sum(), failed.sum(), v, f);
  }

  /** Stops the threads after their request in flight. */
  @Override
  public void close() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(35_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a broken socket
      }
    }
  }

  /** A response read off a keep-alive connection: status, body as text, and whether it closes. */
  private record Response(int status, String body, boolean close) {
    static Response read(InputStream in) throws IOException {
      String statusLine = line(in);
      if (statusLine == null) {
        throw new IOException("connection closed before a response");
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP response: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = h.substring(0, colon).trim().toLowerCase();
        String value = h.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase().contains("chunked");
          case "connection" -> close = value.equalsIgnoreCase("close");
          default -> { }
        }
      }
      byte[] body;
      if (chunked) {
        var buf = new java.io.ByteArrayOutputStream();
        for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
            size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
          buf.write(in.readNBytes((int) size));
          line(in);
        }
        while (true) {
          String trailer = line(in);
          if (trailer == null || trailer.isEmpty()) {
            break;
          }
        }
        body = buf.toByteArray();
      } else if (length >= 0) {
        body = in.readNBytes((int) length);
        if (body.length < length) {
          throw new IOException("connection closed in the body");
        }
      } else {
        body = in.readAllBytes();
        close = true;
      }
      return new Response(status, new String(body, StandardCharsets.UTF_8), close);
    }

    private static String line(InputStream in) throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int c = in.read(); c != -1; c = in.read()) {
        if (c == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        sb.append((char) c);
      }
      return sb.length() == 0 ? null : sb.toString();
    }
  }
}
