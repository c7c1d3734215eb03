package dev.nonstop.cli;

import dev.nonstop.proxy.Fatal;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nonstop} command: one subcommand per verb. */
@Command(
    name = "nonstop",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Zero-downtime deployments of any server process behind a built-in load balancer.")
public final class Main implements Runnable {
  /** The commands that run servers and log; every other one is a short-lived client that prints. */
  static final Set<String> SERVERS = Set.of("up", "proxy", "demo");

  /** Every subcommand, in the order the usage lists them. */
  private static final Map<String, Class<?>> COMMANDS = commands();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Fatal.install();
    if (args.length == 0 || !SERVERS.contains(args[0])) {
      withoutLogging();
    }
    System.exit(commandLineFor(args).execute(args));
  }

  /** The configured command line with every subcommand; tests give it their own writers. */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  static CommandLine commandLine(CommandLine.IFactory factory) {
    return commandLine(factory, COMMANDS.keySet());
  }

  /**
   * The command line that {@code args} need: only the subcommand they name, when they name one.
   * Picocli reads a command's annotations by reflection when it is added, which for all of them
   * took longer than everything else a client command does; {@code help} and a mistyped name
   * (answered with a did-you-mean) still get them all.
   */
  static CommandLine commandLineFor(String... args) {
    boolean one = args.length > 0 && COMMANDS.containsKey(args[0]) && !args[0].equals("help");
    return commandLine(CommandLine.defaultFactory(), one ? List.of(args[0]) : COMMANDS.keySet());
  }

  private static CommandLine commandLine(CommandLine.IFactory factory, Collection<String> names) {
    CommandLine commandLine = new CommandLine(new Main(), factory);
    for (String name : names) {
      commandLine.addSubcommand(name, COMMANDS.get(name));
    }
    // after the subcommands: picocli passes a setting on to those it already has
    return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
  }

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> commands = new LinkedHashMap<>();
    commands.put("up", UpCommand.class);
    commands.put("deploy", DeployCommand.class);
    commands.put("rollback", RollbackCommand.class);
    commands.put("promote", PromoteCommand.class);
    commands.put("abort", AbortCommand.class);
    commands.put("status", StatusCommand.class);
    commands.put("history", HistoryCommand.class);
    commands.put("maintenance", MaintenanceCommand.class);
    commands.put("dashboard", DashboardCommand.class);
    commands.put("systemd", SystemdCommand.class);
    commands.put("proxy", ProxyCommand.class);
    commands.put("demo", DemoCommand.class);
    commands.put("help", CommandLine.HelpCommand.class);
    return commands;
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
