package dev.nonstop.cli;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The running nonstop a command talks to: its admin address and token, and the file they came
 * from (for the hint to start it).
 */
record Target(InetSocketAddress admin, String token, Path file) {
  static final String TOKEN_FILE = "admin.token";

  Target {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(file, "file");
  }

  /**
   * Reads the admin address from {@code file} and the token from the state folder. A missing token
   * is named as such, with where it was looked for: "not running" would hide a wrong state folder.
   *
   * @throws dev.nonstop.config.ConfigException when the file cannot be used
   * @throws AdminClient.Failure when there is no token
   */
  static Target fromConfig(Path file) {
    AppConfig config = ConfigLoader.load(file);
    Path tokenFile = config.state().resolve(TOKEN_FILE);
    String token;
    try {
      token = Files.readString(tokenFile, StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      throw new AdminClient.Failure("no admin token at " + tokenFile + ": 'nonstop up' writes it when it starts"
          + " (start it with: nonstop up -f " + file + " --version V)");
    } catch (IOException e) {
      throw new AdminClient.Failure("cannot read the admin token " + tokenFile + ": " + e.getMessage());
    }
    return new Target(config.admin(), token, file);
  }

  /** {@code host:port}, with a wildcard address shown as the loopback one clients can reach. */
  String address() {
    return hostPort(admin);
  }

  String notRunning() {
    return notRunning(admin, file);
  }

  private static String notRunning(InetSocketAddress admin, Path file) {
    return "nonstop is not running at " + hostPort(admin) + " (start it with: nonstop up -f " + file + " --version V)";
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress()
        ? (a.getAddress() instanceof Inet6Address ? "::1" : "127.0.0.1")
        : a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
