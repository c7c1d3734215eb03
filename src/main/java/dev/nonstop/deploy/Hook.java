package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One command a deploy runs at a fixed point ({@code hooks:} in the file): {@code sh -c COMMAND}
 * in the workdir, with the app's env and the deploy's in {@code NONSTOP_*} variables. Its output,
 * stdout and stderr merged, goes to the deployment's events a line at a time; it fails on an exit
 * code other than 0, and is killed (with whatever it started) at its timeout or an abort.
 *
 * <p>Immutable; {@link #run} is called on the deploying thread, and a reader thread of its own
 * passes the output on.
 */
final class Hook {
  /** Lines of output passed to the events; a chatty hook's rest is counted, not shown. */
  static final int MAX_LINES = 200;

  private final String point;
  private final String command;
  private final Duration timeout;
  private final Path workdir;
  private final Map<String, String> env;

  /**
   * @param point before, after or on-failure: its name in events and {@code NONSTOP_HOOK}
   * @param env the app's variables ({@code env:} in the file)
   */
  Hook(String point, String command, Duration timeout, Path workdir, Map<String, String> env) {
    this.point = requireNonNull(point, "point");
    this.command = requireNonNull(command, "command");
    this.timeout = requireNonNull(timeout, "timeout");
    this.workdir = requireNonNull(workdir, "workdir");
    this.env = Map.copyOf(env);
  }

  String point() {
    return point;
  }

  /** The variables a hook of {@code d} gets beside the app's, with {@code extra} (may be empty). */
  Map<String, String> variables(Deployment d, Map<String, String> extra) {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("NONSTOP_HOOK", point);
    vars.put("NONSTOP_DEPLOY_ID", Integer.toString(d.id()));
    vars.put("NONSTOP_KIND", d.kind());
    vars.put("NONSTOP_STRATEGY", d.strategy().word());
    vars.put("NONSTOP_FROM", d.from() == null ? "" : d.from().version());
    vars.put("NONSTOP_TO", d.to().version());
    vars.putAll(extra);
    return vars;
  }

  /**
   * Runs the command to its end; throws, with its exit code or the timeout, when it failed.
   *
   * @param extra variables beside the deploy's, e.g. {@code NONSTOP_REASON} after a failure
   */
  void run(Deployment d, Map<String, String> extra) throws DeployException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(workdir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().putAll(variables(d, extra));
    d.info("hook " + point + ": " + command);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new DeployException("hook " + point + " could not start: " + e.getMessage(), e);
    }
    Thread reader = new Thread(() -> pass(p, d), "hook-" + point);
    reader.setDaemon(true);
    reader.start();
    long t0 = System.nanoTime();
    Process ended;
    try {
      ended = d.await(p.onExit(), timeout.toNanos());
    } finally {
      if (p.isAlive()) {
        kill(p);
      }
    }
    reader.join(2_000);
    if (ended == null) {
      throw new DeployException("hook " + point + " did not end within " + Fleet.format(timeout)
          + " (hooks: timeout): killed it");
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (p.exitValue() != 0) {
      throw new DeployException("hook " + point + " failed with exit code " + p.exitValue() + " after " + ms + " ms");
    }
    d.info("hook " + point + " passed in " + ms + " ms");
  }

  private void pass(Process p, Deployment d) {
    int lines = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (++lines <= MAX_LINES) {
          d.info("hook " + point + " | " + line);
        }
      }
    } catch (IOException e) {
      // the process was killed: its output ends here
    }
    if (lines > MAX_LINES) {
      d.info("hook " + point + ": " + (lines - MAX_LINES) + " more lines not shown");
    }
  }

  /** Kills the hook and what it started; a hook's children do not outlive it. */
  private static void kill(Process p) {
    // The shell first, so that it runs no next command when its current one dies (a `touch` after
    // a killed `sleep`); its children are taken before, since once it is gone they are not its own.
    java.util.List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    for (ProcessHandle c : children) {
      c.descendants().forEach(ProcessHandle::destroyForcibly);
      c.destroyForcibly();
    }
  }
}
