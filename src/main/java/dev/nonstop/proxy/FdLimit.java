package dev.nonstop.proxy;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The process's file descriptor limit (RLIMIT_NOFILE's soft limit, the one open and accept fail
 * at) and how many descriptors were open when it was read; -1 for what this platform would not
 * say, and for a limit of "unlimited".
 */
record FdLimit(long max, long open) {
  static final FdLimit UNKNOWN = new FdLimit(-1, -1);

  /**
   * Descriptors kept beyond those open at start: log files, health-check probes, the jars and
   * native libraries the JVM opens later, DNS lookups, the admin API.
   */
  static final int RESERVE = 64;

  /** Reads /proc/self on Linux; elsewhere asks the JVM's Unix operating system bean. */
  static FdLimit current() {
    Path limits = Path.of("/proc/self/limits");
    if (Files.isReadable(limits)) {
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        long open = fds.count() - 1; // less the listing's own
        return new FdLimit(maxOpenFiles(Files.readAllLines(limits)), open);
      } catch (IOException | UncheckedIOException e) {
        // fall back to the bean
      }
    }
    try {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
        return new FdLimit(os.getMaxFileDescriptorCount(), os.getOpenFileDescriptorCount());
      }
    } catch (LinkageError e) {
      // a runtime without the jdk.management module
    }
    return UNKNOWN;
  }

  /** The soft limit on /proc/self/limits' "Max open files" line; -1 if unlimited or absent. */
  static long maxOpenFiles(List<String> limitsFile) {
    for (String line : limitsFile) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
      }
    }
    return -1;
  }

  /**
   * The client connections this limit can hold. Each may hold a backend connection while its
   * exchange is forwarded, so each costs up to two descriptors; those open at start and
   * {@link #RESERVE} more are not available to either. Integer.MAX_VALUE when the limit is
   * unknown: then nothing is derived from it.
   */
  int clientConnections() {
    if (max < 0) {
      return Integer.MAX_VALUE;
    }
    long room = (max - Math.max(open, 0) - RESERVE) / 2;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, room));
  }

  @Override
  public String toString() {
    return max < 0 ? "unknown" : Long.toString(max);
  }
}
