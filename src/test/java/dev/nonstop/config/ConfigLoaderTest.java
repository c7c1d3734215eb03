package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.health.HealthCheck;
import dev.nonstop.proxy.Limits;
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
        limits:
          max-connections: 5000
          max-body: 512KiB
          send-timeout: 2m
          min-body-rate: 4KiB
          body-rate-window: 30s
          max-buffer-memory: 1GiB
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
    assertThat(c.limits()).isEqualTo(new Limits(
        5000, 512L * 1024, Duration.ofMinutes(2), 4096, Duration.ofSeconds(30), 1L << 30));
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
    assertThat(c.limits()).isEqualTo(Limits.DEFAULT);
  }

  @Test
  void partialLimitsKeepTheOtherDefaults() {
    AppConfig c = parse(MINIMAL + "limits:\n  max-body: 1048576\n  max-connections: 0\n");

    assertThat(c.limits()).isEqualTo(Limits.DEFAULT.withMaxBody(1 << 20));
  }

  @Test
  void limitsOfZeroMeanNoneOrAutomatic() {
    AppConfig c = parse(MINIMAL + "limits: { max-body: 0, min-body-rate: 0, max-buffer-memory: 0 }\n");

    assertThat(c.limits()).isEqualTo(Limits.DEFAULT.withMaxBody(0).withMinBodyRate(0));
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
  void runWithoutPortIsAllowedSinceTheServerFindsItInPort() {
    assertThat(parse(MINIMAL.replace(" --port={port}", "")).run()).isEqualTo("java -jar hello.jar");
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
  void previewOnTheAdminPortIsRefused() {
    refused(MINIMAL + "preview: 127.0.0.1:8081\n")
        .hasMessage(file() + ":4:10: preview: 127.0.0.1:8081 (expected: a port other than listen's and admin's)");
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
  void unknownLimitSuggestsTheClosestOne() {
    refused(MINIMAL + "limits:\n  send_timeout: 30s\n")
        .hasMessage(file() + ":5:3: unknown key 'limits.send_timeout' (did you mean 'send-timeout'?)");
  }

  @Test
  void ambiguousSizeUnitIsRefusedWithTheOneTaken() {
    refused(MINIMAL + "limits:\n  max-body: 100MB\n")
        .hasMessage(file() + ":5:13: limits.max-body: 100MB (expected: 100MiB; MB is ambiguous (1000s or 1024s?),"
            + " so sizes take KiB, MiB or GiB, powers of 1024)");
  }

  @Test
  void badLimitValuesAreRefused() {
    refused(MINIMAL + "limits:\n  max-body: -1\n")
        .hasMessage(file() + ":5:13: limits.max-body: -1 (expected: " + Sizes.EXPECTED + ")");
    refused(MINIMAL + "limits:\n  max-buffer-memory: 1.5GiB\n")
        .hasMessage(file() + ":5:22: limits.max-buffer-memory: 1.5GiB (expected: " + Sizes.EXPECTED + ")");
    refused(MINIMAL + "limits:\n  max-buffer-memory: [1GiB]\n")
        .hasMessage(file() + ":5:22: limits.max-buffer-memory: a list (expected: " + Sizes.EXPECTED + ")");
    refused(MINIMAL + "limits:\n  min-body-rate: 2GiB\n")
        .hasMessage(file() + ":5:18: limits.min-body-rate: 2GiB (expected: a size below 2GiB)");
    refused(MINIMAL + "limits:\n  max-connections: -1\n")
        .hasMessage(file() + ":5:20: limits.max-connections: -1 (expected: a whole number of at least 0)");
    refused(MINIMAL + "limits:\n  send-timeout: 60\n")
        .hasMessage(file() + ":5:17: limits.send-timeout: 60 (expected: a duration with a unit, e.g. 30s)");
    refused(MINIMAL + "limits:\n  body-rate-window: 0s\n")
        .hasMessage(file() + ":5:21: limits.body-rate-window: 0s (expected: a duration above 0 with a unit, e.g. 1s)");
    refused(MINIMAL + "limits: 100MiB\n")
        .hasMessageStartingWith(file() + ":4:9: limits: 100MiB (expected: a mapping of keys");
  }

  @Test
  void badSignalIsRefused() {
    refused(MINIMAL + "stop:\n  signal: USR1\n")
        .hasMessage(file() + ":5:11: stop.signal: USR1 (expected: one of TERM, INT, HUP, QUIT, KILL)");
  }

  @Test
  void badStrategyAndBalanceAreRefused() {
    refused(MINIMAL + "strategy: rolling\n")
        .hasMessage(file() + ":4:11: strategy: rolling (expected: in-place, blue-green or canary)");
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
  void unclosedQuoteSaysWhereItStarted() {
    refused(MINIMAL + "drain: \"30s\n")
        .hasMessage(file() + ":5:1: YAML syntax: found unexpected end of stream while scanning a quoted scalar"
            + " that starts at 4:8 (expected: valid YAML)");
  }

  @Test
  void aliasIsRefusedRatherThanMisread() {
    refused(MINIMAL + "env: { A: &greeting hi, B: *greeting }\n")
        .hasMessage(file() + ":4:28: alias *greeting (expected: the value written out; aliases are not supported)");
  }

  @Test
  void secondDocumentIsRefused() {
    refused(MINIMAL + "---\napp: other\n")
        .hasMessage(file() + ":5:1: a second document (expected: one document; remove the '---' or what follows it)");
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
