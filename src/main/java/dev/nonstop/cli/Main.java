package dev.nonstop.cli;

import dev.nonstop.proxy.Fatal;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nonstop} command: one subcommand per verb. */
@Command(
    name = "nonstop",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Zero-downtime deployments of any server process behind a built-in load balancer.",
    subcommands = {
      UpCommand.class,
      DeployCommand.class,
      RollbackCommand.class,
      PromoteCommand.class,
      AbortCommand.class,
      StatusCommand.class,
      HistoryCommand.class,
      MaintenanceCommand.class,
      DashboardCommand.class,
      ProxyCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  /** The commands that run servers and log; every other one is a short-lived client that prints. */
  static final Set<String> SERVERS = Set.of("up", "proxy", "demo");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Fatal.install();
    if (args.length == 0 || !SERVERS.contains(args[0])) {
      withoutLogging();
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * Binds SLF4J to its no-op logger, before any class asks for one: a client command prints what it
   * has to say, and setting up logback (its XML configuration above all) took a third of its start.
   * A provider chosen with {@code -Dslf4j.provider} is kept.
   */
  static void withoutLogging() {
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
      // or SLF4J notes on stderr which provider it was asked for
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
  }

  /** The configured command line; tests give it their own writers. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"nonstop " + (v == null ? "dev" : v)};
    }
  }
}
