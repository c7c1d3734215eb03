package dev.nonstop.sample;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A SampleServer run as a real child JVM, its stdout and stderr in a file. Close it to KILL it. */
final class SampleProcess implements AutoCloseable {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Process process;
  final Path output;
  final int port;

  private SampleProcess(Process process, Path output, int port) {
    this.process = process;
    this.output = output;
    this.port = port;
  }

  /** The java command line that runs the sample from the compiled classes, light on memory. */
  static List<String> javaCommand() {
    try {
      Path classes = Path.of(SampleServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-cp", classes.toString(),
          SampleServer.class.getName());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static SampleProcess start(Path dir, int port, String... args) throws IOException {
    List<String> command = new ArrayList<>(javaCommand());
    command.addAll(List.of("--port", Integer.toString(port)));
    command.addAll(List.of(args));
    Path output = Files.createTempFile(dir, "sample-", ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    return new SampleProcess(process, output, port);
  }

  String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  SampleProcess awaitOutput(String text) {
    await().atMost(30, SECONDS).pollInterval(Duration.ofMillis(50))
        .until(() -> output().contains(text) || !process.isAlive());
    if (!output().contains(text)) {
      throw new AssertionError("no '" + text + "' in output: " + output());
    }
    return this;
  }

  SampleProcess awaitListening() {
    return awaitOutput("listening on 127.0.0.1:" + port);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return CLIENT.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
  }

  static HttpClient client() {
    return CLIENT;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
