package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nonstop proxy} in a JVM of its own, started as the CLI starts it, for tests of what only
 * a whole process shows: its memory, its file descriptors, how it ends. Its output (stdout and
 * stderr) is read by a thread of its own that keeps the first lines and counts the rest, so that a
 * flooding proxy does not flood the test's heap too.
 */
final class ProxyJvm implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("proxy listening on /127.0.0.1:(\\d+)");
  private static final int KEPT = 2_000;

  final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AtomicInteger total = new AtomicInteger();
  private final int port;

  /**
   * Starts the proxy in front of {@code backend} (host:port) under {@code ulimit -n fdLimit}
   * (0: the test's own), with {@code jvmFlags} and {@code proxyArgs}; returns once it listens.
   */
  ProxyJvm(String backend, int fdLimit, List<String> jvmFlags, String... proxyArgs)
      throws IOException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of("bash", "-c",
        (fdLimit > 0 ? "ulimit -n " + fdLimit + " && " : "") + "exec \"$@\"", "bash", javaBin));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        "dev.nonstop.cli.Main", "proxy", "--listen", "127.0.0.1:0", "--no-health-check",
        "--transport", TestTransport.KIND.toString(), "--backend", backend));
    command.addAll(List.of(proxyArgs));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Thread t = new Thread(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          if (total.incrementAndGet() <= KEPT) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // the proxy ended
      }
    }, "proxy-log");
    t.setDaemon(true);
    t.start();
    await("the proxy says where it listens").atMost(Duration.ofSeconds(30))
        .until(() -> first(LISTENING) != null || !process.isAlive());
    Matcher listening = first(LISTENING);
    assertThat(listening).as("the proxy said where it listens: %s", lines).isNotNull();
    port = Integer.parseInt(listening.group(1));
  }

  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** The first kept line {@code p} finds in, or null. */
  Matcher first(Pattern p) {
    for (String l : lines) {
      Matcher m = p.matcher(l);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  /** Lines written so far, kept or not. */
  int total() {
    return total.get();
  }

  long count(String part) {
    return lines.stream().filter(l -> l.contains(part)).count();
  }

  List<String> lines() {
    return lines;
  }

  /** SIGTERM (the shutdown hook closes the proxy), then SIGKILL after 20 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
