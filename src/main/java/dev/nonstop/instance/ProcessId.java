package dev.nonstop.instance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as Linux knows it: its pid plus the moment it started, in clock ticks since boot (field
 * 22 of {@code /proc/PID/stat}). A pid is reused once its process is gone; the pair is not, so a
 * saved pair never names a stranger. Reads {@code /proc} only; where it is missing (not Linux),
 * {@link #of} finds nothing and servers are simply not adopted.
 *
 * @param pid the process id, which is also its process group's id for servers (they lead their group)
 * @param startTicks when it started, in ticks since boot
 */
public record ProcessId(long pid, long startTicks) {
  private static final Path PROC = Path.of("/proc");

  /** The process {@code pid} as it is now, if it runs (a zombie does not count). */
  public static Optional<ProcessId> of(long pid) {
    return stat(pid).filter(s -> s.state != 'Z').map(s -> new ProcessId(pid, s.startTicks));
  }

  /** Whether this very process still runs: same pid and same start. */
  public boolean alive() {
    return of(pid).map(p -> p.startTicks == startTicks).orElse(false);
  }

  /** Whether it leads its own process group (servers started by Nonstop do). */
  public boolean leadsGroup() {
    return stat(pid).map(s -> s.group == pid).orElse(false);
  }

  /**
   * The process that leads its group and carries {@code name=value} in its environment, if one
   * runs: how a server spawned just before a crash, whose pid never reached the state file, is
   * found again. Reads the environment of every process this user may read.
   */
  public static Optional<ProcessId> withEnvironment(String name, String value) {
    byte[] wanted = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
    try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path dir : all) {
        long pid;
        try {
          pid = Long.parseLong(dir.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == ProcessHandle.current().pid() || !hasEntry(dir.resolve("environ"), wanted)) {
          continue;
        }
        Optional<ProcessId> p = of(pid).filter(ProcessId::leadsGroup);
        if (p.isPresent()) {
          return p;
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static boolean hasEntry(Path environ, byte[] wanted) {
    byte[] env;
    try {
      env = Files.readAllBytes(environ);
    } catch (IOException | SecurityException e) {
      return false; // gone, or another user's
    }
    int start = 0;
    for (int i = 0; i <= env.length; i++) {
      if (i == env.length || env[i] == 0) {
        if (i - start == wanted.length && java.util.Arrays.equals(env, start, i, wanted, 0, wanted.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  private record Stat(char state, long group, long startTicks) {}

  /** Fields of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses. */
  private static Optional<Stat> stat(long pid) {
    String text;
    try {
      text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
    int close = text.lastIndexOf(')');
    if (close < 0) {
      return Optional.empty();
    }
    // after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime
    String[] f = text.substring(close + 2).trim().split(" ");
    if (f.length < 20) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[19])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "pid " + pid;
  }
}
