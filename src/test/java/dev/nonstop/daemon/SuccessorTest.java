package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command a daemon runs for its successor, and what that command starts: a real JVM. */
class SuccessorTest {
  @TempDir Path dir;

  @Test
  void theSuccessorIsUpTakeoverRunAsThisJvmRuns() {
    List<String> command = Successor.command(Path.of("nonstop.yml"));

    List<String> expected = new java.util.ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      expected.add("/usr/bin/setsid");
    }
    expected.add(ProcessHandle.current().info().command().orElseThrow());
    expected.addAll(Successor.ownOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(), System.getenv()));
    expected.addAll(Successor.program(System.getProperty("sun.java.command"), System.getProperty("java.class.path")));
    expected.addAll(List.of("up", "--takeover", "-f", Path.of("nonstop.yml").toAbsolutePath().toString()));
    assertThat(command).containsExactlyElementsOf(expected);
    assertThat(command).contains("-Xmx1g"); // the surefire configuration's own option reaches the successor
  }

  @Test
  void aJvmStartedWithMinusJarRunsTheJarAgain() {
    assertThat(Successor.program("/opt/nonstop/target/nonstop.jar up -f /srv/hello/nonstop.yml",
        "/opt/nonstop/target/nonstop.jar")).containsExactly("-jar", "/opt/nonstop/target/nonstop.jar");
    assertThat(Successor.program("/opt/nonstop/target/nonstop.jar", "/opt/nonstop/target/nonstop.jar"))
        .containsExactly("-jar", "/opt/nonstop/target/nonstop.jar");
  }

  @Test
  void aJvmStartedWithAClassPathRunsNonstopsMainOnIt() {
    assertThat(Successor.program("dev.nonstop.cli.Main up -f nonstop.yml", "target/classes:lib/netty.jar"))
        .containsExactly("-cp", "target/classes:lib/netty.jar", "dev.nonstop.cli.Main");
    assertThat(Successor.program("dev.nonstop.cli.Main up", "target/classes"))
        .containsExactly("-cp", "target/classes", "dev.nonstop.cli.Main");
  }

  @Test
  void optionsFromTheEnvironmentAreLeftToTheSuccessorsOwnJvm() {
    // as the JVM lists them: JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, the command line's, _JAVA_OPTIONS
    List<String> input = List.of("-Dtool=1", "-Xss2m", "-Djdk=1", "-Xmx128m", "-Dx=a b", "-Dunder=1");
    Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", " -Dtool=1  -Xss2m", "JDK_JAVA_OPTIONS", "-Djdk=1",
        "_JAVA_OPTIONS", "-Dunder=1");

    assertThat(Successor.ownOptions(input, env)).containsExactly("-Xmx128m", "-Dx=a b");
    assertThat(Successor.ownOptions(input, Map.of())).isEqualTo(input);
    // a quoted value the JVM read as one option: not recognized, kept
    assertThat(Successor.ownOptions(List.of("-Dquoted=a b", "-Xmx128m"), Map.of("JAVA_TOOL_OPTIONS", "-Dquoted='a b'")))
        .containsExactly("-Dquoted=a b", "-Xmx128m");
  }

  @Test
  void socketActivationsVariablesDoNotPassOn() {
    Map<String, String> env = new HashMap<>(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1", "LISTEN_FDNAMES", "x",
        "NOTIFY_SOCKET", "/run/systemd/notify", "JAVA_HOME", "/usr/lib/jvm/java-17"));

    Successor.forSuccessor(env);

    assertThat(env).containsOnlyKeys("NOTIFY_SOCKET", "JAVA_HOME");
  }

  @Test
  void theOutputIsInheritedAndStdinEmpty() {
    ProcessBuilder builder = Successor.builder(List.of("true"));

    assertThat(builder.redirectOutput()).isEqualTo(ProcessBuilder.Redirect.INHERIT);
    assertThat(builder.redirectError()).isEqualTo(ProcessBuilder.Redirect.INHERIT);
    assertThat(builder.redirectInput().file()).isEqualTo(new java.io.File("/dev/null"));
    assertThat(builder.directory()).isNull(); // this process's working directory
  }

  /**
   * The command run for real, with {@link Probe} in place of Nonstop's main class: a JVM with this
   * one's executable and options, in a session of its own under the pid Process reports, with this
   * process's environment.
   */
  @Test
  void theSuccessorIsAJvmLikeThisOneInASessionOfItsOwn() throws Exception {
    Successor.Jvm self = Successor.Jvm.current();
    Successor.Jvm probe = new Successor.Jvm(self.java(), self.options(),
        List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    Path out = dir.resolve("probe.out");
    ProcessBuilder builder = Successor.builder(Successor.command(probe, List.of("up", "--takeover")));
    builder.redirectOutput(out.toFile()); // the test reads what it prints

    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(out)).isZero();

    List<String> lines = Files.readAllLines(out, UTF_8);
    long pid = process.pid();
    assertThat(lines).containsExactly(
        "pid " + pid,
        "session " + (Files.isExecutable(Path.of("/usr/bin/setsid")) ? pid : sessionOf(ProcessHandle.current().pid())),
        "options " + self.options(),
        "args [up, --takeover]",
        "PATH " + System.getenv("PATH"));
  }

  /** Prints what {@link #theSuccessorIsAJvmLikeThisOneInASessionOfItsOwn} checks. */
  public static final class Probe {
    public static void main(String[] args) throws IOException {
      long pid = ProcessHandle.current().pid();
      System.out.println("pid " + pid);
      System.out.println("session " + sessionOf(pid));
      System.out.println("options " + Successor.ownOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(),
          System.getenv()));
      System.out.println("args " + List.of(args));
      System.out.println("PATH " + System.getenv("PATH"));
    }
  }

  /** The session id in /proc/PID/stat: the fourth field after the command's closing parenthesis. */
  static long sessionOf(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[3]); // state, ppid, pgrp, session
  }
}
