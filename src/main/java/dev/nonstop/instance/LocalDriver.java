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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs servers as child processes of this JVM, from a {@link LaunchSpec}. The command runs
 * without a shell (see {@link Argv}), so an Instance's pid is the server itself and the stop
 * signal reaches it. Any thread may call it; it keeps no state besides the spec.
 */
public final class LocalDriver implements Driver {
  private static final Logger log = LoggerFactory.getLogger(LocalDriver.class);
  private static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

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
  public Instance start(Release release, int slot, int port) throws IOException {
    Placement placement = new Placement(app, requireNonNull(release, "release"), slot, port);
    if (!Files.isDirectory(spec.workdir())) {
      throw new IOException("workdir: " + spec.workdir() + " (expected: an existing folder)");
    }
    List<String> argv = template.stream().map(placement::fill).toList();
    Files.createDirectories(spec.logDir());
    Path logFile = spec.logDir().resolve(placement.logFileName());
    appendLine(logFile, "nonstop: starting " + placement.id() + " on port " + port + ": " + argv);
    ProcessBuilder builder = new ProcessBuilder(withResolvedCommand(argv))
        .directory(spec.workdir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    environment(builder.environment(), placement);
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
              kill(instance.process());
            }
          });
    }
    return instance.exited();
  }

  private static void send(Instance instance, StopSignal signal) {
    ProcessHandle process = instance.process();
    switch (signal) {
      case TERM -> process.destroy();
      case KILL -> kill(process);
      default -> {
        // Java signals only TERM and KILL itself; kill(1) sends the others. Not waited for.
        try {
          new ProcessBuilder("kill", "-s", signal.name(), Long.toString(process.pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
        } catch (IOException e) {
          log.warn("cannot send {} to {} ({}): sending TERM", signal, instance, e.getMessage());
          process.destroy();
        }
      }
    }
  }

  /**
   * KILLs the server and whatever it started: a server killed this way cannot stop its own
   * children, and they would outlive it. Its children are listed before it dies, since after
   * that they belong to init.
   */
  private static void kill(ProcessHandle process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  private List<String> withResolvedCommand(List<String> argv) {
    String command = argv.get(0);
    if (!command.contains("/") || Path.of(command).isAbsolute()) {
      return argv;
    }
    // ProcessBuilder would take ./server from this JVM's folder, not from the workdir.
    String resolved = spec.workdir().resolve(command).normalize().toString();
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(resolved), argv.stream().skip(1))
        .toList();
  }

  private void environment(Map<String, String> env, Placement placement) {
    env.putAll(spec.env());
    env.put("PORT", Integer.toString(placement.port()));
    env.put("NONSTOP_APP", app);
    env.put("NONSTOP_VERSION", placement.release().version());
    env.put("NONSTOP_INSTANCE", Integer.toString(placement.slot()));
  }

  private static void appendLine(Path file, String line) throws IOException {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }
}
