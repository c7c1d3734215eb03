package dev.nonstop.cli;

import dev.nonstop.demo.Demo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Play the whole story on this machine with steady traffic: 4 servers of 1.0.1, in-place to 1.0.2 "
        + "two at a time, blue-green to 1.0.3, rollback to 1.0.2, and the count of failed requests.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--startup-delay", paramLabel = "MS", defaultValue = "2000",
      description = "How long each sample server takes to start, in ms (default: ${DEFAULT-VALUE}; try 30000).")
  long startupDelayMs;

  @Option(names = "--clients", defaultValue = "4", description = "Client threads of the steady load (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--rate", defaultValue = "50", description = "Requests per second per client (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the demo's config, state and logs (default: a new temporary folder).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    if (startupDelayMs < 0 || clients < 1 || rate < 1) {
      spec.commandLine().getErr().println("demo: --startup-delay >= 0, --clients >= 1 and --rate >= 1 expected");
      return 2;
    }
    if (System.getenv("NONSTOP_LOG_LEVEL") == null) {
      // The story prints its own lines; the daemon's INFO logs would say everything twice.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    return new Demo(spec.commandLine().getOut(),
        new Demo.Options(Duration.ofMillis(startupDelayMs), clients, rate, dir)).run();
  }
}
