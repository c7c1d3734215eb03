package dev.nonstop.cli;

import dev.nonstop.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.ToIntFunction;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The {@code -f FILE} option of every client command, and the one place that turns failures into
 * exit codes: 2 for a configuration error, 1 for a refused or failed operation.
 */
final class TargetOption {
  @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "nonstop.yml",
      description = "The configuration file (default: ./nonstop.yml).")
  Path file;

  @Option(names = "--app", paramLabel = "NAME",
      description = "The app to act on, when nonstop.yml has several (apps:); status without it shows them all.")
  String app;

  private final Target fixed;

  TargetOption() {
    this(null);
  }

  /** Talks to {@code fixed} whatever {@code -f} says; for tests, where no config is read. */
  TargetOption(Target fixed) {
    this.fixed = fixed;
  }

  /** Runs {@code action} with a client of the running nonstop; returns the exit code. */
  int call(CommandSpec spec, ToIntFunction<AdminClient> action) {
    PrintWriter err = spec.commandLine().getErr();
    try {
      Target target = fixed != null ? fixed : Target.fromConfig(file);
      return action.applyAsInt(new AdminClient(target, app));
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return 2;
    } catch (AdminClient.Failure e) {
      err.println(e.getMessage());
      return 1;
    } finally {
      err.flush();
      spec.commandLine().getOut().flush();
    }
  }
}
