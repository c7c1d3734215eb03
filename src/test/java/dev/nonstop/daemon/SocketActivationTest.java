package dev.nonstop.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.Main;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} started by systemd's socket activation, played by Debian's systemd-socket-activate
 * holding the port and a shell that starts {@code up} again whenever it ends (as Restart=always
 * does): a {@code kill -9} of {@code up} refuses no connection. Connections made while no daemon
 * runs wait in the socket's queue and are answered by the next one, by the same servers.
 */
class SocketActivationTest {
  private static final Path ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");

  @TempDir Path dir;
  private Process holder;
  private Path file;

  @AfterEach
  void stop() throws Exception {
    if (holder != null) {
      List<ProcessHandle> ups = holder.descendants().toList();
      holder.destroyForcibly(); // the respawning shell first, then the daemon it started
      holder.waitFor(10, TimeUnit.SECONDS);
      for (ProcessHandle h : ups) {
        h.destroy();
      }
      for (ProcessHandle h : ups) {
        h.onExit().get(60, TimeUnit.SECONDS);
      }
    }
  }

  private JsonNode status() throws IOException {
    StringWriter out = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code = cl.execute("status", "--json", "-f", file.toString());
    if (code != 0) {
      throw new IOException("status: exit " + code);
    }
    return new ObjectMapper().readTree(out.toString());
  }

  private List<Long> serverPids() throws IOException {
    List<Long> pids = new ArrayList<>();
    status().path("groups").forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    return pids;
  }

  private long daemonPid() throws IOException {
    return new ObjectMapper().readTree(dir.resolve("state/daemon.json").toFile()).path("pid").asLong();
  }

  /** One request on a new connection; throws on anything but a whole 200 answer. */
  private static void get(InetSocketAddress at) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(at, 5_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!answer.startsWith("HTTP/1.1 200")) {
        throw new IOException("answer: " + answer.lines().findFirst().orElse("(none)"));
      }
    }
  }

  @Test
  void aKilledDaemonRestartedOnTheSameSocketRefusesNoConnection() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(ACTIVATE), "systemd-socket-activate (Debian's systemd) is installed");
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, ""));
    AppConfig config = ConfigLoader.load(file);
    String listen = config.listen().getHostString() + ":" + config.listen().getPort();
    String up = "'" + Fixture.java() + "' -Xmx128m -cp '" + System.getProperty("java.class.path") + "' "
        + Main.class.getName() + " up -f '" + file + "' --version 1.0.1";
    // LISTEN_PID names the process meant: each daemon is exec'd by a shell that sets it to its own pid
    String respawn = "while :; do sh -c 'export LISTEN_PID=$$; exec " + up.replace("'", "'\\''") + "'; done";
    holder = new ProcessBuilder(ACTIVATE.toString(), "-l", listen, "sh", "-c", respawn)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("up.log").toFile())
        .start();
    // systemd-socket-activate starts its command at the first connection, as a socket unit does
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(dir.resolve("up.log")).contains("Listening on"));
    try (Socket poke = new Socket()) {
      poke.connect(config.listen(), 5_000);
    }
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(dir.resolve("up.log")).contains("is live on"));
    List<Long> servers = serverPids();
    long first = daemonPid();

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    AtomicLong answered = new AtomicLong();
    ConcurrentLinkedQueue<String> failedAfterKill = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          long start = System.nanoTime();
          try {
            get(config.listen());
            answered.incrementAndGet();
          } catch (IOException e) {
            if (start > killedAt.get()) { // a request in flight at the kill dies with that daemon
              failedAfterKill.add(e.toString());
            }
          }
        }
      });
      t.setDaemon(true);
      t.start();
      clients.add(t);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() > 50);

    ProcessHandle daemon = ProcessHandle.of(first).orElseThrow();
    daemon.destroyForcibly();
    daemon.onExit().get(30, TimeUnit.SECONDS);
    killedAt.set(System.nanoTime());
    long before = answered.get();
    await().atMost(Duration.ofSeconds(90)).until(() -> daemonPid() != first && answered.get() > before + 100);
    running.set(false);
    for (Thread t : clients) {
      t.join(40_000);
    }

    assertThat(failedAfterKill).as("requests sent after the kill").isEmpty();
    assertThat(serverPids()).as("the same servers, taken over").containsExactlyInAnyOrderElementsOf(servers);
  }
}
