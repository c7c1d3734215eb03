package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.health.HealthCheck;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("nonstop.yml");
  }

  private AppConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, file());
  }

  private AbstractThrowableAssert<?, ? extends Throwable> refused(String yaml) {
    return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class);
  }

  private static final String MINIMAL = """
      app: hello
      listen: 127.0.0.1:8080
      run: java -jar hello.jar --port={port}
      """;

  @Test
  void fullFileSetsEveryField() throws Exception {
    Files.writeString(file(), """
        # the demo app
        app: hello
        listen: 0.0.0.0:9000
        admin: 127.0.0.1:9100
        instances: 4
        run: java -jar releases/hello-{version}.jar --port={port} --id={instance}
        workdir: app/current
        env: { GREETING: hi, WORKERS: 3, DEBUG: false, EMPTY: }
        health: { path: /health, interval: 500ms, timeout: 2s, rise: 3, fall: 4, deadline: 1m30s }
        drain: 45s
        stop: { signal: INT, timeout: 20s }
        strategy: blue-green
        batch: 2
        surge: 1
        keep-old: 1h
        preview: 127.0.0.1:9002
        state: /var/lib/nonstop/hello
        balance: round-robin
        """);

    AppConfig c = ConfigLoader.load(file());

    assertThat(c.file()).isEqualTo(file().toAbsolutePath());
    assertThat(c.app()).isEqualTo("hello");
    assertThat(c.listen()).isEqualTo(new InetSocketAddress("0.0.0.0", 9000));
    assertThat(c.admin()).isEqualTo(new InetSocketAddress("127.0.0.1", 9100));
    assertThat(c.instances()).isEqualTo(4);
    assertThat(c.run()).isEqualTo("java -jar releases/hello-{version}.jar --port={port} --id={instance}");
    assertThat(c.workdir()).isEqualTo(dir.resolve("app/current").toAbsolutePath());
    assertThat(c.env()).containsExactly(
        Map.entry("GREETING", "hi"), Map.entry("WORKERS", "3"), Map.entry("DEBUG", "false"), Map.entry("EMPTY", ""));
    assertThat(c.health()).isEqualTo(new HealthCheck("/health", Duration.ofMillis(500), Duration.ofSeconds(2), 3, 4));
    assertThat(c.healthDeadline()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.drain()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.stopSignal()).isEqualTo("INT");
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.strategy()).isEqualTo(Strategy.BLUE_GREEN);
    assertThat(c.batch()).isEqualTo(new Batch(2, 0));
    assertThat(c.surge()).isEqualTo(1);
    assertThat(c.keepOld()).isEqualTo(Duration.ofHours(1));
    assertThat(c.preview()).isEqualTo(new InetSocketAddress("127.0.0.1", 9002));
    assertThat(c.state()).isEqualTo(Path.of("/var/lib/nonstop/hello"));
    assertThat(c.balance()).isEqualTo("round-robin");
  }

  @Test
  void minimalFileGetsTheDefaults() {
    AppConfig c = parse(MINIMAL);

    assertThat(c.admin()).isEqualTo(new InetSocketAddress("127.0.0.1", 8081));
    assertThat(c.instances()).isEqualTo(2);
    assertThat(c.workdir()).isEqualTo(dir.toAbsolutePath());
    assertThat(c.env()).isEmpty();
    assertThat(c.health()).isEqualTo(HealthCheck.DEFAULT);
    assertThat(c.healthDeadline()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.drain()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.stopSignal()).isEqualTo("TERM");
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.strategy()).isEqualTo(Strategy.IN_PLACE);
    assertThat(c.batch()).isEqualTo(new Batch(0, 50));
    assertThat(c.surge()).isZero();
    assertThat(c.keepOld()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.preview()).isNull();
    assertThat(c.state()).isEqualTo(dir.resolve(".nonstop").toAbsolutePath());
    assertThat(c.balance()).isEqualTo("least-in-flight");
  }

  @Test
  void partialHealthKeepsTheOtherDefaults() {
    AppConfig c = parse(MINIMAL + "health:\n  path: /ready\n");

    assertThat(c.health()).isEqualTo(HealthCheck.DEFAULT.withPath("/ready"));
  }

  @Test
  void relativePathsAreTakenFromTheFilesFolderAndNormalized() {
    AppConfig c = parse(MINIMAL + "workdir: ./a/../b\nstate: ../state\n");

    assertThat(c.workdir()).isEqualTo(dir.resolve("b").toAbsolutePath());
    assertThat(c.state()).isEqualTo(dir.getParent().resolve("state").toAbsolutePath());
  }

  @Test
  void listenOnPortZeroLetsAdminPickAPortToo() {
    AppConfig c = parse(MINIMAL.replace("8080", "0"));

    assertThat(c.admin()).isEqualTo(new InetSocketAddress("127.0.0.1", 0));
  }

  @Test
  void stopSignalIsNormalized() {
    assertThat(parse(MINIMAL + "stop: { signal: sigquit }\n").stopSignal()).isEqualTo("QUIT");
  }

  @Test
  void folderMeansTheNonstopYmlInIt() throws Exception {
    Files.writeString(file(), MINIMAL);

    assertThat(ConfigLoader.load(dir).file()).isEqualTo(file().toAbsolutePath());
  }

  @Test
  void missingFileSaysWhereItLookedAndHowToPassOne() {
    Path missing = dir.resolve("elsewhere/nonstop.yml");

    assertThatThrownBy(() -> ConfigLoader.load(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage("nonstop.yml not found at " + missing.toAbsolutePath() + " (expected: a nonstop.yml; pass -f FILE)");
  }

  @Test
  void unknownKeySuggestsTheClosestOne() {
    refused(MINIMAL + "keepold: 5m\n")
        .hasMessage(file() + ":4:1: unknown key 'keepold' (did you mean 'keep-old'?)");
    refused(MINIMAL + "health:\n  intervall: 2s\n")
        .hasMessage(file() + ":5:3: unknown key 'health.intervall' (did you mean 'interval'?)");
  }

  @Test
  void unknownKeyFarFromAnyListsTheKnownOnes() {
    refused(MINIMAL + "replicas: 3\n")
        .hasMessageStartingWith(file() + ":4:1: unknown key 'replicas' (expected: one of app, listen, admin,");
  }

  @Test
  void missingRequiredKeyPointsAtTheMapping() {
    refused("app: hello\nlisten: 127.0.0.1:8080\n")
        .hasMessageStartingWith(file() + ":1:1: missing key 'run' (expected: the command that starts one server");
  }

  @Test
  void runWithoutPortIsRefusedWithAHint() {
    refused(MINIMAL.replace(" --port={port}", ""))
        .hasMessage(file() + ":3:6: run: java -jar hello.jar (expected: {port} where the server takes its port,"
            + " e.g. --port={port}; each server needs its own port and PORT alone is easy to miss)");
  }

  @Test
  void runWithAnUnknownPlaceholderIsRefused() {
    refused(MINIMAL.replace("{port}", "{prot}"))
        .hasMessageContaining(":3:6: run: ")
        .hasMessageEndingWith("(expected: only the placeholders {version}, {port} and {instance}, not {prot})");
  }

  @Test
  void batchZeroIsRefused() {
    refused(MINIMAL + "batch: 0\n")
        .hasMessage(file() + ":4:8: batch: 0 (expected: a count of at least 1 like 2, or a percent like 50%)");
  }

  @Test
  void instancesZeroIsRefused() {
    refused(MINIMAL + "instances: 0\n")
        .hasMessage(file() + ":4:12: instances: 0 (expected: a whole number from 1 to 64)");
  }

  @Test
  void wrongTypeIsRefused() {
    refused(MINIMAL + "instances: four\n")
        .hasMessage(file() + ":4:12: instances: four (expected: a whole number from 1 to 64)");
    refused(MINIMAL + "env: [A, B]\n")
        .hasMessageStartingWith(file() + ":4:6: env: a list (expected: a mapping");
    refused(MINIMAL + "health:\n  rise: [1]\n")
        .hasMessage(file() + ":5:9: health.rise: a list (expected: a whole number from 1 to 100)");
  }

  @Test
  void badAddressIsRefused() {
    refused(MINIMAL.replace("127.0.0.1:8080", "8080"))
        .hasMessage(file() + ":2:9: listen: 8080 (expected: HOST:PORT, e.g. 127.0.0.1:8080)");
    refused(MINIMAL + "preview: 127.0.0.1:99999\n")
        .hasMessage(file() + ":4:10: preview: 127.0.0.1:99999 (expected: HOST:PORT, e.g. 127.0.0.1:8080)");
  }

  @Test
  void adminOnTheListenPortIsRefused() {
    refused(MINIMAL + "admin: 127.0.0.1:8080\n")
        .hasMessage(file() + ":4:8: admin: 127.0.0.1:8080 (expected: a port other than listen's)");
  }

  @Test
  void badAppNameIsRefused() {
    refused(MINIMAL.replace("app: hello", "app: hello world"))
        .hasMessage(file() + ":1:6: app: hello world (expected: a name of letters, digits, - and _, e.g. hello)");
  }

  @Test
  void badEnvNameIsRefused() {
    refused(MINIMAL + "env:\n  9LIVES: x\n")
        .hasMessageStartingWith(file() + ":5:3: env.9LIVES: not a variable name");
  }

  @Test
  void bareNumberDurationIsRefused() {
    refused(MINIMAL + "drain: 30\n")
        .hasMessage(file() + ":4:8: drain: 30 (expected: a duration with a unit, e.g. 30s)");
    refused(MINIMAL + "drain: -1s\n")
        .hasMessage(file() + ":4:8: drain: -1s (expected: a duration with a unit, e.g. 30s)");
  }

  @Test
  void zeroIntervalIsRefused() {
    refused(MINIMAL + "health: { interval: 0s }\n")
        .hasMessage(file() + ":4:21: health.interval: 0s (expected: a duration above 0 with a unit, e.g. 1s)");
  }

  @Test
  void badSignalIsRefused() {
    refused(MINIMAL + "stop:\n  signal: USR1\n")
        .hasMessage(file() + ":5:11: stop.signal: USR1 (expected: one of TERM, INT, HUP, QUIT, KILL)");
  }

  @Test
  void badStrategyAndBalanceAreRefused() {
    refused(MINIMAL + "strategy: canary\n")
        .hasMessage(file() + ":4:11: strategy: canary (expected: in-place or blue-green)");
    refused(MINIMAL + "balance: random\n")
        .hasMessage(file() + ":4:10: balance: random (expected: least-in-flight or round-robin)");
  }

  @Test
  void duplicateKeyIsRefused() {
    refused(MINIMAL + "drain: 1s\ndrain: 2s\n")
        .hasMessage(file() + ":5:1: duplicate key 'drain' (expected: each key once; it is first set at line 4)");
  }

  @Test
  void yamlSyntaxErrorHasLineAndColumn() {
    refused(MINIMAL + "health: { path: /x\n")
        .hasMessageStartingWith(file() + ":5:1: YAML syntax: ");
    refused("app: hello\n  listen: 127.0.0.1:8080\n")
        .hasMessageStartingWith(file() + ":2:9: YAML syntax: mapping values are not allowed here");
  }

  @Test
  void emptyFileIsRefused() {
    refused("# nothing yet\n").hasMessage(file() + ":1:1: empty file (expected: at least app, listen and run, e.g. 'app: hello')");
  }

  @Test
  void fileThatIsNotAMappingIsRefused() {
    refused("- app: hello\n").hasMessageStartingWith(file() + ":1:1: a list (expected: a mapping of keys");
  }

  @Test
  void emptyRequiredValueIsRefused() {
    refused(MINIMAL.replace("app: hello", "app:"))
        .hasMessageStartingWith(file() + ":1:1: app: empty (expected: a name");
  }
}
