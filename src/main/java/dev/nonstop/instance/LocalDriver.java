package dev.nonstop.instance;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs servers as child processes of this JVM, from a {@link LaunchSpec}. The command runs
 * without a shell (see {@link Argv}), so an Instance's pid is the server itself. Each server leads
 * its own process group (see {@link #OWN_GROUP}): it outlives this JVM (a crash or an upgrade
 * of Nonstop is not an outage), Ctrl-C in the terminal of {@code up} reaches only Nonstop (the
 * terminal signals its foreground group), which then stops the servers itself, and a stop signal goes to the whole group, so that what a server
 * started (a shell's child, workers) stops with it. Each carries {@code NONSTOP_SERVER_ID} in its
 * environment, to be found again if Nonstop dies before it saved the pid. Any thread may call it;
 * it keeps no state besides the spec.
 */
public final class LocalDriver implements Driver {
  private static final Logger log = LoggerFactory.getLogger(LocalDriver.class);
  private static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** The variable naming a server, so that its process can be found by it. */
  public static final String SERVER_ID = "NONSTOP_SERVER_ID";
  /**
   * How a server is made the leader of a process group of its own, keeping its pid: Perl's
   * setpgrp then exec (perl-base is Essential on Debian), else util-linux's setsid. Perl first:
   * setsid also starts a session, and with the kernel's scheduler autogroups each session gets an
   * equal share of the CPU, so every server would weigh as much as the whole proxy.
   */
  private static final List<String> OWN_GROUP = ownGroup();

  private static List<String> ownGroup() {
    if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
      return List.of("/usr/bin/perl", "-e",
          "setpgrp(0, 0) or die \"setpgrp: $!\\n\"; exec { $ARGV[0] } @ARGV; die \"$ARGV[0]: $!\\n\"", "--");
    }
    return Stream.of("/usr/bin/setsid", "/bin/setsid").filter(f -> Files.isExecutable(Path.of(f)))
        .findFirst().map(List::of).orElse(null);
  }

  private final String app;
  private final LaunchSpec spec;
  private final List<String> template;

  public LocalDriver(String app, LaunchSpec spec) {
    requireNonNull(app, "app");
    if (!APP.matcher(app).matches()) {
      throw new IllegalArgumentException("app: '" + app
          + "' (expected: letters, digits, '.', '_' or '-', at most 64, e.g. hello)");
    }
    this.app = app;
    this.spec = requireNonNull(spec, "spec");
    this.template = Argv.split(spec.run());
  }

  @Override
  public Instance start(Release release, int slot, int port, String serverId) throws IOException {
    Placement placement = new Placement(app, requireNonNull(release, "release"), slot, port);
    if (!Files.isDirectory(spec.workdir())) {
      throw new IOException("workdir: " + spec.workdir() + " (expected: an existing folder)");
    }
    List<String> argv = template.stream().map(placement::fill).toList();
    try {
      Files.createDirectories(spec.logDir());
    } catch (IOException e) {
      log.warn("cannot create the log folder {}: {}", spec.logDir(), e.toString());
    }
    Path logFile = spec.logDir().resolve(placement.logFileName());
    appendLine(logFile, "nonstop: starting " + placement.id() + " on port " + port + ": " + argv);
    List<String> command = withResolvedCommand(argv);
    if (OWN_GROUP != null) {
      // the wrapper would start and then fail to exec: find the command first, to say so here
      String missing = runnable(command.get(0));
      if (missing != null) {
        String message = "cannot run '" + argv.get(0) + "' for " + placement.id() + " in " + spec.workdir()
            + " (" + missing + ")";
        appendLine(logFile, "nonstop: " + message);
        throw new IOException(message);
      }
      command = Stream.concat(OWN_GROUP.stream(), command.stream()).toList();
    }
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(spec.workdir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(output(logFile));
    environment(builder.environment(), placement);
    builder.environment().put(SERVER_ID, requireNonNull(serverId, "serverId"));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      String message = "cannot run '" + argv.get(0) + "' for " + placement.id() + " in " + spec.workdir()
          + " (" + e.getMessage() + ")";
      appendLine(logFile, "nonstop: " + message);
      throw new IOException(message, e);
    }
    process.getOutputStream().close(); // servers read no stdin; an open pipe would only leak
    Instance instance = new Instance(placement, process, logFile);
    log.info("started {} with log {}", instance, logFile);
    instance.exited().thenAccept(code -> log.info("{} exited with {}", instance, code));
    return instance;
  }

  @Override
  public Instance adopt(Release release, int slot, int port, ProcessId process) {
    Placement placement = new Placement(app, requireNonNull(release, "release"), slot, port);
    ProcessHandle handle = ProcessHandle.of(process.pid())
        .filter(h -> process.alive())
        .orElseThrow(() -> new IllegalStateException(process + " is gone"));
    Instance instance = new Instance(placement, handle, spec.logDir().resolve(placement.logFileName()));
    instance.exited().thenAccept(code -> log.info("{} exited", instance));
    return instance;
  }

  @Override
  public CompletableFuture<Integer> stop(Instance instance) {
    requireNonNull(instance, "instance");
    if (!instance.isAlive()) {
      return instance.exited();
    }
    StopSignal signal = spec.signal();
    log.info("stopping {} with {}, KILL after {}", instance, signal, spec.stopTimeout());
    send(instance, signal);
    if (signal != StopSignal.KILL) {
      CompletableFuture.delayedExecutor(spec.stopTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .execute(() -> {
            if (instance.isAlive()) {
              log.warn("{} still running {} after {}: KILL", instance, spec.stopTimeout(), signal);
              kill(instance);
            }
          });
    }
    return instance.exited();
  }

  private static void send(Instance instance, StopSignal signal) {
    if (signal == StopSignal.KILL) {
      kill(instance);
    } else if (!signalGroup(instance.processId(), signal.name())) {
      if (signal != StopSignal.TERM) {
        log.warn("cannot send {} to {}: sending TERM", signal, instance);
      }
      instance.process().destroy();
    }
  }

  /**
   * KILLs the server's process group, and whatever else it started: a server killed this way
   * cannot stop its own children. Its descendants are listed before it dies, since after that
   * they belong to init.
   */
  private static void kill(Instance instance) {
    ProcessHandle process = instance.process();
    List<ProcessHandle> descendants = process.descendants().toList();
    if (!signalGroup(instance.processId(), "KILL")) {
      process.destroyForcibly();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Sends {@code signal} to the process group {@code process} leads, if that very process still
   * runs and leads it (kill(1): Java signals single processes only). Waits for kill(1), not for
   * the group to exit. False when it could not be sent that way.
   */
  static boolean signalGroup(ProcessId process, String signal) {
    if (!process.alive() || !process.leadsGroup()) {
      return false;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + process.pid())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops a process left by an earlier Nonstop that is not adopted: its group gets TERM, then KILL. */
  public static void stopStray(ProcessId process, java.time.Duration timeout) {
    ProcessHandle.of(process.pid()).filter(h -> process.alive()).ifPresent(h -> {
      if (!signalGroup(process, "TERM")) {
        h.destroy();
      }
      try {
        h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (!signalGroup(process, "KILL")) {
          h.destroyForcibly();
        }
      }
    });
  }

  /** The server's output goes to its log; where that cannot be written (a full disk), nowhere. */
  private static ProcessBuilder.Redirect output(Path logFile) {
    if (Files.isWritable(logFile)) {
      return ProcessBuilder.Redirect.appendTo(logFile.toFile());
    }
    log.warn("{} cannot be written: the server's output is discarded", logFile);
    return ProcessBuilder.Redirect.DISCARD;
  }

  /** Null when {@code command} names a file this user may run, else why not (as exec would say). */
  private static String runnable(String command) {
    if (command.contains("/")) {
      Path file = Path.of(command);
      return !Files.exists(file) ? "No such file or directory"
          : Files.isDirectory(file) || !Files.isExecutable(file) ? "Permission denied" : null;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":")) {
      Path file = Path.of(dir.isEmpty() ? "." : dir, command);
      if (Files.isRegularFile(file) && Files.isExecutable(file)) {
        return null;
      }
    }
    return "No such file or directory, looked in PATH";
  }

  private List<String> withResolvedCommand(List<String> argv) {
    String command = argv.get(0);
    if (!command.contains("/") || Path.of(command).isAbsolute()) {
      return argv;
    }
    // ProcessBuilder would take ./server from this JVM's folder, not from the workdir.
    String resolved = spec.workdir().resolve(command).normalize().toString();
    return Stream.concat(Stream.of(resolved), argv.stream().skip(1)).toList();
  }

  private void environment(Map<String, String> env, Placement placement) {
    // socket activation's variables are Nonstop's, not for its servers; so is the malloc arena
    // limit the launcher sets for Nonstop's own JVM (a user's own setting is passed on)
    env.keySet().removeAll(List.of("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"));
    if (env.remove("NONSTOP_SET_MALLOC_ARENA_MAX") != null) {
      env.remove("MALLOC_ARENA_MAX");
    }
    env.putAll(spec.env());
    env.put("PORT", Integer.toString(placement.port()));
    env.put("NONSTOP_APP", app);
    env.put("NONSTOP_VERSION", placement.release().version());
    env.put("NONSTOP_INSTANCE", Integer.toString(placement.slot()));
  }

  /**
   * Adds Nonstop's own line to a server's log. A log that cannot take it (a full disk) is no reason
   * not to start a server: it matters most when an undo puts capacity back.
   */
  private static void appendLine(Path file, String line) {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      log.warn("cannot write to {}: {}", file, e.toString());
    }
  }
}
