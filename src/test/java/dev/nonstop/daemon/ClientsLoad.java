package dev.nonstop.daemon;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many distinct clients, each a thread on its own keep-alive connection with its own address in
 * X-Forwarded-For (as if Nonstop stood behind a load balancer), recording every answer: when it
 * was sent, which client, which version answered, or that it failed. For canaries: the share of
 * each version between two moments, and whether a client saw more than one version meanwhile.
 *
 * <p>Thread-safe: client threads add answers, the test reads them.
 */
final class ClientsLoad implements AutoCloseable {
  private static final Pattern VERSION = Pattern.compile("v(\\d[\\w.+-]*)");

  /**
   * One answer to client {@code client}, to a request sent at {@code sentNanos}, received at
   * {@code receivedNanos}; version null when it failed.
   */
  record Answer(long sentNanos, long receivedNanos, int client, String version) {}

  private final InetSocketAddress target;
  private final List<String> keys = new ArrayList<>();
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final long pauseNanos;

  private ClientsLoad(InetSocketAddress target, int clients, int perClientRate) {
    this.target = target;
    this.pauseNanos = 1_000_000_000L / perClientRate;
    for (int i = 1; i <= clients; i++) {
      keys.add("10.9.0." + i);
    }
  }

  static ClientsLoad start(InetSocketAddress target, int clients, int perClientRate) {
    ClientsLoad load = new ClientsLoad(target, clients, perClientRate);
    for (int i = 0; i < clients; i++) {
      int client = i;
      Thread t = new Thread(() -> load.loop(client), "client-" + i);
      t.setDaemon(true);
      load.threads.add(t);
      t.start();
    }
    return load;
  }

  /** Each client's key, as the proxy reads it from X-Forwarded-For. */
  List<String> keys() {
    return keys;
  }

  private void loop(int client) {
    byte[] request = ("GET / HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: " + keys.get(client) + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    Socket socket = null;
    InputStream in = null;
    while (running.get()) {
      long t0 = System.nanoTime();
      try {
        if (socket == null) {
          socket = new Socket();
          socket.connect(target, 5_000);
          socket.setSoTimeout(30_000);
          socket.setTcpNoDelay(true);
          in = new BufferedInputStream(socket.getInputStream());
        }
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        String[] answer = read(in);
        Matcher m = VERSION.matcher(answer[1]);
        boolean ok = answer[0].startsWith("2");
        answers.add(new Answer(t0, System.nanoTime(), client, ok && m.find() ? m.group(1) : null));
        if (answer[2] != null) {
          socket.close();
          socket = null;
        }
      } catch (IOException e) {
        if (running.get()) {
          answers.add(new Answer(t0, System.nanoTime(), client, null));
        }
        close(socket);
        socket = null;
      }
      long rest = pauseNanos - (System.nanoTime() - t0);
      if (rest > 0) {
        LockSupport.parkNanos(rest);
      }
    }
    close(socket);
  }

  /** Status code, body, and non-null when the server closes the connection after it. */
  private static String[] read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      throw new IOException("closed before an answer");
    }
    int length = 0;
    String close = null;
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      String lower = h.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).strip());
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        close = "close";
      }
    }
    byte[] body = in.readNBytes(length);
    return new String[] {status.split(" ")[1], new String(body, StandardCharsets.UTF_8), close};
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != -1; c = in.read()) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
  }

  private static void close(Socket s) {
    try {
      if (s != null) {
        s.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** The answers to requests sent from {@code fromNanos} on and answered before {@code toNanos}. */
  List<Answer> between(long fromNanos, long toNanos) {
    return answers.stream().filter(a -> a.sentNanos() >= fromNanos && a.receivedNanos() < toNanos).toList();
  }

  /** Answers by version ("failed" for failures) among {@code some}. */
  static Map<String, Long> byVersion(List<Answer> some) {
    Map<String, Long> out = new TreeMap<>();
    some.forEach(a -> out.merge(a.version() == null ? "failed" : a.version(), 1L, Long::sum));
    return out;
  }

  /** The clients that got answers from more than one version among {@code some}. */
  static Set<Integer> flipped(List<Answer> some) {
    Map<Integer, Set<String>> seen = new HashMap<>();
    some.stream().filter(a -> a.version() != null)
        .forEach(a -> seen.computeIfAbsent(a.client(), c -> new TreeSet<>()).add(a.version()));
    Set<Integer> out = new TreeSet<>();
    seen.forEach((c, versions) -> {
      if (versions.size() > 1) {
        out.add(c);
      }
    });
    return out;
  }

  long count() {
    return answers.size();
  }

  @Override
  public void close() {
    running.set(false);
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
