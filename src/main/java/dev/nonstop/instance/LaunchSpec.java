package dev.nonstop.instance;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to run one server of the app.
 *
 * @param run command template; {@code {version}}, {@code {port}}, {@code {instance}} are replaced.
 *     It runs without a shell (see {@link Argv}): simple quoting works, pipes and variables do not.
 *     Relative commands with a {@code /} (e.g. {@code ./server}) are taken from {@code workdir};
 *     others are looked up on PATH.
 * @param env added to the inherited environment, before PORT, NONSTOP_VERSION and NONSTOP_INSTANCE
 * @param stopSignal TERM, INT, HUP, QUIT or KILL (SIGTERM and lower case are accepted and
 *     normalized to TERM)
 * @param stopTimeout how long after the stop signal KILL follows
 * @param logDir each server's stdout and stderr go to a file here
 */
public record LaunchSpec(
    String run, Path workdir, Map<String, String> env, String stopSignal, Duration stopTimeout, Path logDir) {

  public LaunchSpec {
    requireNonNull(run, "run");
    Argv.split(run);
    workdir = requireNonNull(workdir, "workdir").toAbsolutePath();
    env = Map.copyOf(requireNonNull(env, "env"));
    stopSignal = StopSignal.parse(stopSignal).name();
    requireNonNull(stopTimeout, "stopTimeout");
    if (stopTimeout.isNegative()) {
      throw new IllegalArgumentException("stopTimeout: " + stopTimeout + " (expected: >= 0)");
    }
    logDir = requireNonNull(logDir, "logDir").toAbsolutePath();
  }

  /** No extra environment, TERM, then KILL after 10 s. */
  public static LaunchSpec of(String run, Path workdir, Path logDir) {
    return new LaunchSpec(run, workdir, Map.of(), "TERM", Duration.ofSeconds(10), logDir);
  }

  StopSignal signal() {
    return StopSignal.valueOf(stopSignal);
  }
}
