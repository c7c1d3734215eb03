package dev.nonstop.instance;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.sample.SampleServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDriverTest {
  private static final Release V1 = new Release("1.0.2");
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  private final List<Instance> started = new ArrayList<>();

  @AfterEach
  void killStarted() {
    for (Instance instance : started) {
      instance.process().descendants().forEach(ProcessHandle::destroyForcibly);
      instance.process().destroyForcibly();
    }
  }

  /** Runs the sample from the compiled classes; the same shape as the demo's template. */
  static String sampleRun() throws Exception {
    Path classes = Path.of(SampleServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return "'" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp '" + classes + "'"
        + " dev.nonstop.sample.SampleServer --version {version} --port {port} --instance {instance}";
  }

  private LocalDriver driver(String run, String signal, Duration stopTimeout) {
    return new LocalDriver("hello", new LaunchSpec(run, dir, Map.of("GREETING", "hi"), signal, stopTimeout,
        dir.resolve("logs")));
  }

  private Instance start(LocalDriver driver, int slot) throws IOException {
    Instance instance = driver.start(V1, slot, Ports.free(), "test-" + slot);
    started.add(instance);
    return instance;
  }

  private static HttpResponse<String> get(Instance instance, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
        .timeout(Duration.ofSeconds(10)).build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitAnswering(Instance instance) {
    await().atMost(30, SECONDS).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> get(instance, "/health").statusCode() == 200);
  }

  @Test
  void startsTheSampleOnItsPortAndTermStopsItWithZero() throws Exception {
    LocalDriver driver = driver(sampleRun(), "TERM", Duration.ofSeconds(20));
    Instance instance = start(driver, 2);

    awaitAnswering(instance);

    assertThat(get(instance, "/").body()).isEqualTo("hello v1.0.2 from instance 2\n");
    assertThat(instance.id()).isEqualTo("hello-1.0.2-2");
    assertThat(instance.isAlive()).isTrue();
    assertThat(instance.logFile()).isEqualTo(dir.resolve("logs/hello-1.0.2-2-" + instance.port() + ".log"));
    assertThat(instance.lastLogLines(1)).containsExactly("sample v1.0.2 listening on 127.0.0.1:" + instance.port());
    assertThat(driver.stop(instance).get(20, SECONDS)).isZero();
    assertThat(instance.isAlive()).isFalse();
    assertThat(instance.lastLogLines(2)).containsExactly("stopping: 0 requests in flight", "stopped");
  }

  @Test
  void intStopsTheSampleThroughItsShutdownHook() throws Exception {
    LocalDriver driver = driver(sampleRun(), "INT", Duration.ofSeconds(20));
    Instance instance = start(driver, 1);
    awaitAnswering(instance);

    assertThat(driver.stop(instance).get(20, SECONDS)).isZero();
    assertThat(instance.lastLogLines(1)).containsExactly("stopped");
  }

  @Test
  void serverGetsPortVersionInstanceAndTheSpecsEnvironment() throws Exception {
    LocalDriver driver = driver("sh -c 'echo port=$PORT version=$NONSTOP_VERSION instance=$NONSTOP_INSTANCE"
        + " greeting=$GREETING dir=$(pwd) args=\"$0 $1\"' {version} \"{port} x\"", "TERM", Duration.ofSeconds(5));
    Instance instance = start(driver, 3);

    assertThat(instance.exited().get(20, SECONDS)).isZero();

    assertThat(instance.lastLogLines(1)).containsExactly("port=" + instance.port() + " version=1.0.2 instance=3"
        + " greeting=hi dir=" + dir.toRealPath() + " args=1.0.2 " + instance.port() + " x");
    assertThat(instance.lastLogLines(2).get(0)).startsWith("nonstop: starting hello-1.0.2-3 on port");
  }

  @Test
  void relativeCommandIsTakenFromTheWorkdir() throws Exception {
    Path script = Files.writeString(dir.resolve("server.sh"), "#!/bin/sh\necho started from \"$(pwd)\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Instance instance = start(driver("./server.sh", "TERM", Duration.ofSeconds(5)), 1);

    assertThat(instance.exited().get(20, SECONDS)).isZero();
    assertThat(instance.lastLogLines(1)).containsExactly("started from " + dir.toRealPath());
  }

  @Test
  void serverIgnoringTermIsKilledAfterTheStopTimeout() throws Exception {
    // trap "" makes the shell ignore TERM, and an ignored signal stays ignored across exec.
    LocalDriver driver = driver("sh -c 'trap \"\" TERM; exec sleep 60'", "TERM", Duration.ofMillis(500));
    Instance instance = start(driver, 1);
    await().atMost(10, SECONDS).until(() -> instance.process().info().command().orElse("").endsWith("sleep"));

    long begin = System.nanoTime();
    CompletableFuture<Integer> stopped = driver.stop(instance);

    assertThat(stopped.get(20, SECONDS)).isEqualTo(137);
    assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
  }

  @Test
  void killAfterTheTimeoutTakesTheServersChildrenToo() throws Exception {
    LocalDriver driver = driver("sh -c 'trap \"\" TERM; sleep 60 & wait'", "TERM", Duration.ofMillis(300));
    Instance instance = start(driver, 1);
    await().atMost(10, SECONDS).until(() -> instance.process().children().findAny().isPresent());
    List<ProcessHandle> children = instance.process().children().toList();

    assertThat(driver.stop(instance).get(20, SECONDS)).isEqualTo(137);

    for (ProcessHandle child : children) {
      assertThat(child.onExit()).succeedsWithin(10, SECONDS);
    }
  }

  @Test
  void exitedCompletesWhenTheServerDiesOnItsOwn() throws Exception {
    Instance instance = start(driver("sleep 60", "TERM", Duration.ofSeconds(5)), 1);

    ProcessHandle.of(instance.pid()).orElseThrow().destroyForcibly();

    assertThat(instance.exited().get(20, SECONDS)).isEqualTo(137);
    assertThat(instance.isAlive()).isFalse();
  }

  @Test
  void stoppingAnExitedInstanceCompletesAtOnce() throws Exception {
    LocalDriver driver = driver("sh -c 'exit 3'", "TERM", Duration.ofSeconds(5));
    Instance instance = start(driver, 1);
    instance.exited().get(20, SECONDS);

    CompletableFuture<Integer> stopped = driver.stop(instance);

    assertThat(stopped).isCompletedWithValue(3);
  }

  @Test
  void aServerLeadsItsOwnProcessGroupAndItsStopReachesWhatItStarted() throws Exception {
    // a shell that leaves a child behind and execs the server: the child is in the server's group
    LocalDriver driver = driver("sh -c 'sleep 300 & exec sleep 299 {port}'", "TERM", Duration.ofSeconds(5));
    Instance instance = start(driver, 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> instance.processId().leadsGroup()
        && instance.process().children().findAny().isPresent());
    ProcessHandle child = instance.process().children().findFirst().orElseThrow();

    assertThat(driver.stop(instance).get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(143);
    await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
  }

  @Test
  void aServerIsFoundAgainByItsPidAndStartOrByTheIdInItsEnvironment() throws Exception {
    LocalDriver driver = driver("sleep 299 {port}", "TERM", Duration.ofSeconds(5));
    Instance instance = start(driver, 2);
    ProcessId saved = instance.processId();

    assertThat(saved.alive()).isTrue();
    // the spawn is done; setsid and the exec of the server follow within moments
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessId.withEnvironment(LocalDriver.SERVER_ID, "test-2").isPresent());
    assertThat(new ProcessId(saved.pid(), saved.startTicks() + 1).alive()).as("same pid, other start").isFalse();
    assertThat(ProcessId.withEnvironment(LocalDriver.SERVER_ID, "test-2")).contains(saved);
    Instance adopted = driver.adopt(V1, 2, instance.port(), saved);
    assertThat(adopted.adopted()).isTrue();
    assertThat(driver.stop(adopted).get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Instance.UNKNOWN_EXIT);
    assertThat(saved.alive()).isFalse();
    assertThat(ProcessId.withEnvironment(LocalDriver.SERVER_ID, "test-2")).isEmpty();
  }

  @Test
  void commandThatCannotRunIsNamedInTheError() {
    LocalDriver driver = driver("./no-such-server --port {port}", "TERM", Duration.ofSeconds(5));

    assertThatThrownBy(() -> driver.start(V1, 1, 9001, "t"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot run './no-such-server' for hello-1.0.2-1")
        .hasMessageContaining("No such file or directory");
  }

  @Test
  void badSlotOrPortIsRefused() {
    LocalDriver driver = driver("sleep 1", "TERM", Duration.ofSeconds(5));

    assertThatThrownBy(() -> driver.start(V1, 0, 9001, "t")).hasMessage("slot: 0 (expected: >= 1)");
    assertThatThrownBy(() -> driver.start(V1, 1, 70000, "t")).hasMessage("port: 70000 (expected: 1-65535)");
  }
}
