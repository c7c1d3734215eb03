package dev.nonstop.cli;

import dev.nonstop.config.Config;
import dev.nonstop.config.ConfigException;
import dev.nonstop.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints (or writes) the systemd units that run this config's Nonstop. Reads nonstop.yml only: the
 * daemon need not run, nor the units exist.
 */
@Command(name = "systemd", mixinStandardHelpOptions = true,
    description = "Print the systemd units that run this app's Nonstop: a socket that keeps the port open "
        + "while the daemon restarts, and the service.")
final class SystemdCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "nonstop.yml",
      description = "The configuration file (default: ./nonstop.yml).")
  Path file;

  @Option(names = "--user",
      description = "Units for your own service manager (systemctl --user, ~/.config/systemd/user), not the system's.")
  boolean user;

  @Option(names = "--write", paramLabel = "DIR",
      description = "Write the two unit files into DIR (e.g. /etc/systemd/system) instead of printing them.")
  Path write;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return run(out, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int run(PrintWriter out, PrintWriter err) {
    SystemdUnits units;
    try {
      Config config = ConfigLoader.loadAll(file);
      Path launcher = launcher();
      if (launcher == null) {
        err.println("nonstop: cannot find the nonstop launcher beside the target folder of this build"
            + " (expected: run this command through the nonstop script, which ExecStart= names)");
        return 1;
      }
      SystemdUnits.Scope scope = user ? SystemdUnits.Scope.USER : SystemdUnits.Scope.SYSTEM;
      units = new SystemdUnits(config, scope, launcher, user ? null : owner(config.file()),
          Path.of(System.getProperty("java.home")));
    } catch (ConfigException | IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    if (write == null) {
      out.print(units.installComment(units.scope().dir(Path.of(System.getProperty("user.home")))));
      out.print("\n" + units.socket() + "\n" + units.service());
      return 0;
    }
    return write(units, out, err);
  }

  private int write(SystemdUnits units, PrintWriter out, PrintWriter err) {
    Path dir = write.toAbsolutePath().normalize();
    Path socket = dir.resolve(units.socketFile());
    Path service = dir.resolve(units.serviceFile());
    try {
      Files.createDirectories(dir);
      Files.writeString(socket, units.socket());
      Files.writeString(service, units.service());
    } catch (IOException e) {
      err.println("nonstop: cannot write the units into " + dir + ": " + e);
      return 1;
    }
    out.println("wrote " + socket);
    out.println("wrote " + service);
    out.println("# Next:");
    out.print(units.usage());
    return 0;
  }

  /**
   * The {@code nonstop} script that runs this build: beside its {@code target} folder, which holds
   * the jar (or, in a build, the classes). Null when there is none, as for a jar copied elsewhere.
   */
  static Path launcher() {
    CodeSource code = SystemdCommand.class.getProtectionDomain().getCodeSource();
    if (code == null) {
      return null;
    }
    try {
      Path target = Path.of(code.getLocation().toURI()).toAbsolutePath().normalize().getParent();
      Path script = target == null || target.getParent() == null ? null : target.getParent().resolve("nonstop");
      return script != null && Files.isRegularFile(script) && Files.isExecutable(script) ? script : null;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  /** Who owns {@code file}: the system service runs as them; null for root, or if the system does not say. */
  private static String owner(Path file) {
    try {
      String name = Files.getOwner(file).getName();
      return name.equals("root") ? null : name;
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
