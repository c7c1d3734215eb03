package dev.nonstop.sample;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line of {@link SampleServer}. {@code --port}, {@code --version} and {@code
 * --instance} fall back to PORT, NONSTOP_VERSION and NONSTOP_INSTANCE, the variables the driver sets.
 *
 * @param instance shown in answers; the pid when neither the flag nor the variable is set
 * @param logRequests print each request's start to stdout (the tests use it to know a request
 *     is in flight; off by default so that load does not fill the log)
 * @param exitAfter exit with code 1 this long after it listens (zero: never), as a release that
 *     dies of something it meets a few seconds in
 * @param failRequests answer 500 to every request but the health check's, as a release broken in
 *     a way its health check does not see
 */
record SampleOptions(
    String version,
    String host,
    int port,
    String instance,
    Duration startupDelay,
    boolean failStart,
    boolean neverHealthy,
    boolean logRequests,
    Duration exitAfter,
    boolean failRequests) {

  static final String USAGE = "usage: SampleServer --version V [--port N] [--host H] [--instance N]"
      + " [--startup-delay 3s] [--fail-start] [--never-healthy] [--log-requests] [--exit-after 2500ms]"
      + " [--fail-requests]";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

  static SampleOptions parse(String[] args, Map<String, String> env) {
    String version = env.get("NONSTOP_VERSION");
    String host = "127.0.0.1";
    String port = env.get("PORT");
    String instance = env.get("NONSTOP_INSTANCE");
    Duration startupDelay = Duration.ZERO;
    boolean failStart = false;
    boolean neverHealthy = false;
    boolean logRequests = false;
    Duration exitAfter = Duration.ZERO;
    boolean failRequests = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--version" -> version = value(args, ++i, arg);
        case "--host" -> host = value(args, ++i, arg);
        case "--port" -> port = value(args, ++i, arg);
        case "--instance" -> instance = value(args, ++i, arg);
        case "--startup-delay" -> startupDelay = duration(value(args, ++i, arg));
        case "--fail-start" -> failStart = true;
        case "--never-healthy" -> neverHealthy = true;
        case "--log-requests" -> logRequests = true;
        case "--exit-after" -> exitAfter = duration(value(args, ++i, arg));
        case "--fail-requests" -> failRequests = true;
        default -> throw new IllegalArgumentException("unknown option: " + arg);
      }
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("--version: missing (expected: e.g. 1.0.2, or NONSTOP_VERSION)");
    }
    if (instance == null || instance.isBlank()) {
      instance = Long.toString(ProcessHandle.current().pid());
    }
    return new SampleOptions(version, host, port(port), instance, startupDelay, failStart, neverHealthy,
        logRequests, exitAfter, failRequests);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + ": missing value");
    }
    return args[i];
  }

  private static int port(String text) {
    if (text == null) {
      throw new IllegalArgumentException("--port: missing (expected: 1-65535, or PORT)");
    }
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--port: " + text + " (expected: 1-65535)");
  }

  static Duration duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("a duration: " + text + " (expected: e.g. 500ms, 3s, 1m)");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }
}
