package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A 1 GiB upload (with the body limit lifted) and a 1 GiB download pass through a proxy that has 64 MiB of heap and
 * 64 MiB of direct memory (its own JVM, started like the CLI starts it): bodies are streamed with
 * backpressure, never held whole. The proxy's peak RSS is checked too.
 */
class StreamingTest {
  private static final long GIB = 1L << 30;
  private static final Pattern LISTENING = Pattern.compile("proxy listening on /127.0.0.1:(\\d+)");

  private HttpServer backend;
  private ExecutorService executor;
  private Process proxy;
  private int port;

  @BeforeEach
  void start() throws Exception {
    executor = Executors.newCachedThreadPool();
    backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    backend.setExecutor(executor);
    backend.createContext("/", ex -> {
      if (ex.getRequestMethod().equals("POST")) {
        long n = FakeBackend.drain(ex.getRequestBody());
        byte[] body = Long.toString(n).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      } else {
        ex.sendResponseHeaders(200, GIB);
        try (OutputStream out = ex.getResponseBody()) {
          byte[] chunk = new byte[64 * 1024];
          for (long sent = 0; sent < GIB; sent += chunk.length) {
            out.write(chunk);
          }
        }
      }
      ex.close();
    });
    backend.start();
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    proxy = new ProcessBuilder(javaBin, "-Xmx64m", "-XX:MaxDirectMemorySize=64m",
        "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        "dev.nonstop.cli.Main", "proxy", "--listen", "127.0.0.1:0", "--no-health-check",
        "--transport", TestTransport.KIND.toString(), "--max-body", "0",
        "--backend", "127.0.0.1:" + backend.getAddress().getPort())
        .redirectErrorStream(true)
        .start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        break;
      }
    }
    assertThat(port).as("the proxy said where it listens").isPositive();
    executor.execute(() -> {
      try {
        out.transferTo(Writer.nullWriter()); // keep its output flowing
      } catch (IOException e) {
        // it ended
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.destroy(); // SIGTERM: the shutdown hook closes the proxy
      assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).as("proxy exited on SIGTERM").isTrue();
    }
    backend.stop(0);
    executor.shutdownNow();
  }

  @Test
  void oneGibibyteUploadAndDownloadPassWithBoundedMemory() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: " + GIB + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = new byte[64 * 1024];
      for (long sent = 0; sent < GIB; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
      String upload = new String(readResponse(in), StandardCharsets.ISO_8859_1);
      assertThat(upload).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n" + GIB);

      out.write("GET /down HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      long received = countBody(in);
      assertThat(received).isEqualTo(GIB);
    }
    assertThat(proxy.isAlive()).as("the proxy survived with 64 MiB of heap").isTrue();
    long peakRssKib = peakRssKib(proxy.pid());
    System.out.println("streaming: proxy peak RSS " + peakRssKib / 1024 + " MiB");
    assertThat(peakRssKib).as("proxy peak RSS in KiB").isLessThan(300 * 1024);
  }

  /** Reads a whole Content-Length response into memory: only for small ones. */
  private static byte[] readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    long length = headLength(in, head);
    head.write(in.readNBytes((int) length));
    return head.toByteArray();
  }

  private static long countBody(InputStream in) throws IOException {
    long length = headLength(in, new ByteArrayOutputStream());
    byte[] buf = new byte[64 * 1024];
    long n = 0;
    while (n < length) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, length - n));
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  private static long headLength(InputStream in, ByteArrayOutputStream head)
      throws IOException {
    int c;
    while ((c = in.read()) != -1) {
      head.write(c);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(h);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
      }
    }
    throw new IOException("no response head");
  }

  private static long peakRssKib(long pid) throws IOException {
    List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
    for (String l : status) {
      if (l.startsWith("VmHWM:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }
}
