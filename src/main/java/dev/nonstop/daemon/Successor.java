package dev.nonstop.daemon;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts the daemon that takes this one's place: {@code up --takeover -f FILE}, run as this JVM
 * runs (the same java, the same JVM options, the same jar or class path). This is what a running
 * daemon does on SIGHUP, which {@code systemctl reload} sends ({@code ExecReload=/bin/kill -HUP
 * $MAINPID}): the successor takes the listening socket and the servers over, and, once it serves,
 * names itself the service's main process ({@code MAINPID=} through {@link SystemdNotify}) before
 * this daemon exits; systemd then follows it, as if it had started it.
 *
 * <p>Why it is started as it is:
 *
 * <ul>
 *   <li>its own session ({@code setsid}, which execs it and so keeps the pid that {@link
 *       Process#pid()} reports): the successor must outlive its parent, which exits once the
 *       takeover is done; it must not get the signals meant for the old daemon's process group
 *       (Ctrl-C in a terminal) nor a terminal's hangup. Under systemd it stays in the service's
 *       control group, as systemd requires of a new main pid;
 *   <li>stdout and stderr inherited: they are the journal under systemd (or the terminal), where
 *       the successor's log goes on from the old daemon's; stdin is {@code /dev/null}, a daemon
 *       reads nothing;
 *   <li>the environment inherited: {@code NOTIFY_SOCKET} (to send {@code MAINPID=}), {@code
 *       JAVA_HOME}, {@code PATH}, and whatever the servers' commands expect. Only socket
 *       activation's {@code LISTEN_*} are removed: they describe this process's descriptors, which
 *       a child does not inherit (the successor gets the socket from the takeover);
 *   <li>the same working directory: relative paths in the command mean what they meant here;
 *   <li>the JVM options of this JVM's command line, but not those the JVM took from {@code
 *       JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS} or {@code _JAVA_OPTIONS}: the successor's JVM
 *       reads those again from the environment it inherits (twice, an agent would load twice);
 *   <li>the jar as it is on disk now: a reload after replacing it upgrades Nonstop.
 * </ul>
 */
public final class Successor {
  /** Nonstop's main class, for a JVM started with a class path rather than {@code -jar}. */
  static final String MAIN = "dev.nonstop.cli.Main";
  /** util-linux's setsid: it execs the command in a new session, keeping the pid. */
  private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
      .filter(f -> Files.isExecutable(Path.of(f))).findFirst().orElse(null);
  /** Socket activation's variables: about this process's own descriptors, see {@link SocketActivation}. */
  private static final List<String> LISTEN = List.of("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES");

  private Successor() {}

  /**
   * Starts {@code up --takeover -f configFile} as a process of its own (see the class comment).
   * Returns once the process exists; whether the takeover succeeds is for the takeover itself to
   * tell ({@link Process#onExit()} completes early if the successor gives up).
   */
  public static Process start(Path configFile) throws IOException {
    return builder(command(configFile)).start();
  }

  /** The command {@link #start} runs: this JVM's, with {@code up --takeover -f} the absolute {@code configFile}. */
  static List<String> command(Path configFile) {
    return command(Jvm.current(), List.of("up", "--takeover", "-f", configFile.toAbsolutePath().toString()));
  }

  /** {@code setsid} (when installed), then {@code jvm}'s java, options and program, then {@code args}. */
  static List<String> command(Jvm jvm, List<String> args) {
    List<String> command = new ArrayList<>();
    if (SETSID != null) {
      command.add(SETSID);
    }
    command.add(jvm.java());
    command.addAll(jvm.options());
    command.addAll(jvm.program());
    command.addAll(args);
    return List.copyOf(command);
  }

  /** The process builder for {@code command}: inherited output, environment and folder; stdin empty. */
  static ProcessBuilder builder(List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    forSuccessor(builder.environment());
    return builder;
  }

  /** Removes from {@code env} (this process's) what must not pass on to the successor. */
  static void forSuccessor(Map<String, String> env) {
    LISTEN.forEach(env::remove);
  }

  /**
   * How a JVM runs Nonstop.
   *
   * @param java the java executable
   * @param options the JVM options, before the program
   * @param program {@code -jar JAR}, or {@code -cp CLASSPATH MAINCLASS}
   */
  record Jvm(String java, List<String> options, List<String> program) {
    Jvm {
      requireNonNull(java, "java");
      options = List.copyOf(options);
      program = List.copyOf(program);
    }

    /** This JVM: its executable, its own options, and its jar ({@code -jar}) or its class path with Nonstop's main class. */
    static Jvm current() {
      String java = ProcessHandle.current().info().command()
          .filter(c -> Files.isExecutable(Path.of(c))) // not "… (deleted)", after the JDK was upgraded
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // the launcher runs up from a copy of the build (a rebuild must not rewrite the jar a running
      // JVM reads) and names the build itself: a successor runs the jar on disk now, an upgrade
      String build = System.getProperty("nonstop.jar");
      List<String> program = build != null && Files.isRegularFile(Path.of(build)) ? List.of("-jar", build)
          : Successor.program(System.getProperty("sun.java.command", ""), System.getProperty("java.class.path", ""));
      return new Jvm(java, ownOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv()),
          program);
    }
  }

  /**
   * {@code -jar JAR} when this JVM runs a jar ({@code sun.java.command}, the main class or jar and
   * the arguments, then starts with the class path, which is the jar); otherwise {@code -cp
   * CLASSPATH} and Nonstop's main class.
   */
  static List<String> program(String javaCommand, String classPath) {
    boolean jar = !classPath.isEmpty() && !classPath.contains(File.pathSeparator)
        && (javaCommand.equals(classPath) || javaCommand.startsWith(classPath + " "));
    return jar ? List.of("-jar", classPath) : List.of("-cp", classPath, MAIN);
  }

  /**
   * The JVM options of the command line: {@code inputArguments} (as {@code RuntimeMXBean} lists
   * them) without those that came from the environment, which the JVM puts first ({@code
   * JAVA_TOOL_OPTIONS}, then {@code JDK_JAVA_OPTIONS}) and last ({@code _JAVA_OPTIONS}). When they
   * do not match word for word (quoted values), all are kept: twice is mostly harmless.
   */
  static List<String> ownOptions(List<String> inputArguments, Map<String, String> env) {
    List<String> own = new ArrayList<>(inputArguments);
    for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
      List<String> words = words(env.get(variable));
      if (own.size() >= words.size() && own.subList(0, words.size()).equals(words)) {
        own.subList(0, words.size()).clear();
      }
    }
    List<String> last = words(env.get("_JAVA_OPTIONS"));
    if (own.size() >= last.size() && own.subList(own.size() - last.size(), own.size()).equals(last)) {
      own.subList(own.size() - last.size(), own.size()).clear();
    }
    return List.copyOf(own);
  }

  private static List<String> words(String options) {
    return options == null || options.isBlank() ? List.of() : Arrays.asList(options.trim().split("\\s+"));
  }
}
