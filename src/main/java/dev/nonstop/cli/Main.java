package dev.nonstop.cli;

import dev.nonstop.proxy.Fatal;
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
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Fatal.install();
    System.exit(commandLine().execute(args));
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
