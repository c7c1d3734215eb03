package dev.nonstop.daemon;

import dev.nonstop.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code nonstop up} as a real process, its stdout and stderr merged as a terminal shows them.
 * The reader thread owns {@link #output}; read it through {@link #output()}.
 */
final class UpProcess implements AutoCloseable {
  final Process process;
  private final StringBuffer output = new StringBuffer();
  private final CompletableFuture<String> live = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  private UpProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::read, "up-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code nonstop up -f file extra...}. */
  static UpProcess start(Path file, String... extra) throws IOException {
    return start(java.util.Map.of(), file, extra);
  }

  /** Starts {@code nonstop up -f file extra...} with {@code env} added to its environment. */
  static UpProcess start(java.util.Map<String, String> env, Path file, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Fixture.java(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "up", "-f", file.toString()));
    cmd.addAll(List.of(extra));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().putAll(env);
    return new UpProcess(b.start());
  }

  /** As {@link #live(Path, String...)}, with {@code env} added to its environment. */
  static UpProcess live(java.util.Map<String, String> env, Path file, String... extra) throws IOException {
    UpProcess up = start(env, file, extra);
    try {
      up.live.orTimeout(90, TimeUnit.SECONDS).join();
    } catch (RuntimeException e) {
      up.close();
      throw e;
    }
    return up;
  }

  /** Starts {@code up} and returns once it says the app is live. */
  static UpProcess live(Path file, String... extra) throws IOException {
    return live(java.util.Map.of(), file, extra);
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        output.append(line).append('\n');
        if (line.contains("is live on")) {
          live.complete(output.toString());
        }
      }
      live.completeExceptionally(new IllegalStateException("up ended before it was live:\n" + output));
    } catch (IOException e) {
      live.completeExceptionally(e);
    } finally {
      ended.complete(null);
    }
  }

  /** Waits for the process to end on its own; its exit code. */
  int exitCode(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("up still runs after " + seconds + " s:\n" + output);
    }
    awaitOutput();
    return process.exitValue();
  }

  /** After the process ended: waits until the reader has every last line. */
  private void awaitOutput() {
    try {
      ended.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  String output() {
    return output.toString();
  }

  /** TERM, as Ctrl-C or a service manager would; KILL if it takes over a minute. */
  @Override
  public void close() {
    process.toHandle().destroy(); // Process.destroy() would also close our end of its output
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      awaitOutput();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
