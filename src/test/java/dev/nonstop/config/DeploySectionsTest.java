package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bake, judge, canary and hooks in nonstop.yml: defaults, every key, and what a mistake says. */
class DeploySectionsTest {
  @TempDir Path dir;

  private static final String MINIMAL = """
      app: hello
      listen: 127.0.0.1:8080
      run: java -jar hello.jar --port={port}
      """;

  private Path file() {
    return dir.resolve("nonstop.yml");
  }

  private AppConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, file());
  }

  private AbstractThrowableAssert<?, ? extends Throwable> refused(String yaml) {
    return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class);
  }

  @Test
  void absentSectionsTakeTheirDefaults() {
    AppConfig c = parse(MINIMAL);

    assertThat(c.bake()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.judge()).isEqualTo(JudgeLimits.DEFAULT);
    assertThat(c.judge().maxErrors()).isEqualTo(0.01);
    assertThat(c.canary().steps()).extracting(Canary.Step::percent).containsExactly(5, 25, 50);
    assertThat(c.canary().steps()).extracting(Canary.Step::hold).containsOnly(Duration.ofSeconds(30));
    assertThat(c.hooks()).isEqualTo(Hooks.NONE);
  }

  @Test
  void everyKeyIsRead() {
    AppConfig c = parse(MINIMAL + """
        strategy: canary
        bake: 1m
        judge: { min-requests: 200, max-errors: 0.5%, error-ratio: 1.5, p99-ratio: 3, p99-margin: 20ms }
        canary:
          hold: 2m
          steps: [1%, {weight: 10%, hold: 5m}, 100%]
        hooks:
          before: ./migrate.sh "$NONSTOP_TO"
          after: curl -fsS https://example.com/deployed
          on-failure: ./page-someone.sh
          timeout: 30s
        """);

    assertThat(c.strategy()).isEqualTo(Strategy.CANARY);
    assertThat(c.bake()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.judge()).isEqualTo(new JudgeLimits(200, 0.005, 1.5, 3, Duration.ofMillis(20)));
    assertThat(c.canary().steps()).containsExactly(new Canary.Step(1, Duration.ofMinutes(2)),
        new Canary.Step(10, Duration.ofMinutes(5)), new Canary.Step(100, Duration.ofMinutes(2)));
    assertThat(c.hooks()).isEqualTo(new Hooks("./migrate.sh \"$NONSTOP_TO\"", "curl -fsS https://example.com/deployed",
        "./page-someone.sh", Duration.ofSeconds(30)));
  }

  @Test
  void aHoldAloneAppliesToTheDefaultSteps() {
    assertThat(parse(MINIMAL + "canary: { hold: 10s }\n").canary().steps())
        .containsExactly(new Canary.Step(5, Duration.ofSeconds(10)), new Canary.Step(25, Duration.ofSeconds(10)),
            new Canary.Step(50, Duration.ofSeconds(10)));
  }

  @Test
  void aZeroBakeTurnsItOff() {
    assertThat(parse(MINIMAL + "bake: 0s\n").bake()).isZero();
  }

  @Test
  void mistakesSayWhatWasExpected() {
    refused(MINIMAL + "bake: 30\n").hasMessage(file() + ":4:7: bake: 30 (expected: a duration with a unit, e.g. 30s)");
    refused(MINIMAL + "strategy: canery\n")
        .hasMessage(file() + ":4:11: strategy: canery (expected: in-place, blue-green or canary)");
    refused(MINIMAL + "judge: { max-errors: 1 }\n")
        .hasMessage(file() + ":4:22: judge.max-errors: 1 (expected: a share from 0% to 100% like 1% or 0.5%)");
    refused(MINIMAL + "judge: { max-errors: 150% }\n").hasMessageContaining("judge.max-errors: 150% (expected: a share");
    refused(MINIMAL + "judge: { p99-ratio: 0.5 }\n")
        .hasMessageEndingWith("judge.p99-ratio: 0.5 (expected: a number of at least 1 like 2 or 1.5)");
    refused(MINIMAL + "judge: { min-requests: 0 }\n")
        .hasMessageEndingWith("judge.min-requests: 0 (expected: a whole number from 1 to 1000000)");
    refused(MINIMAL + "judge: { max-error: 1% }\n").hasMessageEndingWith("unknown key 'judge.max-error' (did you mean 'max-errors'?)");
    refused(MINIMAL + "canary: { steps: [5%, 5%] }\n")
        .hasMessageEndingWith("canary.steps: 5% after 5% (expected: weights that grow, like [5%, 25%, 50%])");
    refused(MINIMAL + "canary: { steps: [5, 25] }\n")
        .hasMessage(file() + ":4:19: canary.steps: 5 (expected: a weight like 5%, or {weight: 5%, hold: 1m})");
    refused(MINIMAL + "canary: { steps: [0%] }\n").hasMessageContaining("canary.steps: 0% (expected: a weight like 5%");
    refused(MINIMAL + "canary: { steps: 5% }\n")
        .hasMessageEndingWith("canary.steps: 5% (expected: a list of weights that grow, like [5%, 25%, 50%])");
    refused(MINIMAL + "canary: { steps: [] }\n").hasMessageContaining("canary.steps: a list (expected: a list of weights");
    refused(MINIMAL + "canary: { steps: [{weight: 5%, hold: 0s}] }\n")
        .hasMessageEndingWith("canary.steps[].hold: 0s (expected: a duration above 0 with a unit, e.g. 1s)");
    refused(MINIMAL + "canary: { steps: [{percent: 5%}] }\n")
        .hasMessageContaining("unknown key 'canary.steps[].percent' (expected: one of weight, hold)");
    refused(MINIMAL + "hooks: { before: '  ' }\n").hasMessageEndingWith("hooks.before:    (expected: a command run by sh -c, e.g. ./migrate.sh)");
    refused(MINIMAL + "hooks: { before: [a, b] }\n").hasMessageEndingWith("hooks.before: a list (expected: a command run by sh -c, e.g. ./migrate.sh)");
    refused(MINIMAL + "hooks: { after-switch: x }\n").hasMessageContaining("unknown key 'hooks.after-switch'");
    refused(MINIMAL + "hooks: ./migrate.sh\n")
        .hasMessageEndingWith("hooks: ./migrate.sh (expected: a mapping of keys, each on its own line indented under 'hooks:')");
    refused(MINIMAL + "hooks: { timeout: 0s }\n").hasMessageContaining("hooks.timeout: 0s (expected: a duration above 0");
  }

  @Test
  void unknownTopKeysNowSuggestTheNewSections() {
    refused(MINIMAL + "hook: {}\n").hasMessageEndingWith("unknown key 'hook' (did you mean 'hooks'?)");
    refused(MINIMAL + "bak: 1s\n").hasMessageContaining("did you mean 'bake'?");
    assertThat(List.of("bake", "judge", "canary", "hooks")).allSatisfy(k -> assertThat(ConfigLoader.KEYS).contains(k));
  }
}
