package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user checks in the units that 'nonstop systemd' prints for their nonstop.yml. */
class SystemdCommandTest {
  private static final String HELLO = """
      app: hello
      listen: 127.0.0.1:18080
      run: java -jar hello-{version}.jar --port={port}
      """;

  @TempDir Path dir;

  @Test
  void theSocketUnitListensOnTheConfiguredAddressAndKeepsItOpenAcrossRestarts() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    assertThat(p.socket().get("Socket.ListenStream")).containsExactly("127.0.0.1:18080");
    assertThat(p.socket().get("Socket.NoDelay")).containsExactly("true");
    assertThat(p.socket().get("Socket.Backlog")).containsExactly("4096");
    assertThat(p.socket().get("Install.WantedBy")).containsExactly("sockets.target");
    assertThat(p.unit("nonstop-hello.socket")).contains("It stays open while the daemon restarts");
  }

  @Test
  void anIpv6WildcardIsBracketedAndTakesIpv4ClientsToo() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO.replace("127.0.0.1:18080", "\"[::]:80\"")).toString());

    assertThat(p.socket().get("Socket.ListenStream")).containsExactly("[::]:80");
    assertThat(p.socket().get("Socket.BindIPv6Only")).containsExactly("both");
  }

  @Test
  void ipv6AddressesAreWrittenShort() throws IOException {
    assertThat(SystemdSyntax.compressed((Inet6Address) InetAddress.getByName("::1"))).isEqualTo("::1");
    assertThat(SystemdSyntax.compressed((Inet6Address) InetAddress.getByName("2001:db8:0:0:1:0:0:1")))
        .isEqualTo("2001:db8::1:0:0:1");
    assertThat(SystemdSyntax.compressed((Inet6Address) InetAddress.getByName("2001:db8:1:0:1:2:3:4")))
        .isEqualTo("2001:db8:1:0:1:2:3:4");
  }

  @Test
  void theServiceRunsUpOnTheAbsoluteConfigFromItsFolderAsItsOwner() throws IOException {
    Path file = config(HELLO);

    Printed p = print("systemd", "-f", dir.toString()); // a folder means its nonstop.yml

    List<String> start = words(p.service().get("Service.ExecStart"));
    Path launcher = Path.of(start.get(0));
    assertThat(launcher).isAbsolute().hasFileName("nonstop");
    assertThat(Files.isExecutable(launcher)).isTrue();
    assertThat(start.subList(1, start.size())).containsExactly("up", "-f", file.toAbsolutePath().toString());
    assertThat(p.service().get("Service.WorkingDirectory")).containsExactly(dir.toAbsolutePath().toString());
    String owner = Files.getOwner(file).getName();
    assertThat(p.service().get("Service.User")).isEqualTo(owner.equals("root") ? null : List.of(owner));
  }

  @Test
  void reloadSignalsTheDaemonWhoseSuccessorTakesTheMainProcessOver() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    // systemd waits for ExecReload to end: a signal, not the new daemon, which the old one starts itself
    assertThat(p.service().get("Service.ExecReload")).containsExactly("/bin/kill -HUP $MAINPID");
    assertThat(Files.isExecutable(Path.of("/bin/kill"))).isTrue();
    // the successor sends MAINPID= while it is not the main process yet
    assertThat(p.service().get("Service.NotifyAccess")).containsExactly("all");
    assertThat(p.unit("nonstop-hello.service")).contains("MAINPID=").contains("SIGHUP");
    assertThat(p.out()).contains("#   systemctl reload nonstop-hello\n");
  }

  @Test
  void theServiceIsReadyWhenUpSaysItServes() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    assertThat(p.service().get("Service.Type")).containsExactly("notify");
    assertThat(p.unit("nonstop-hello.service")).contains("READY=1");
  }

  @Test
  void theServiceRequiresTheSocketAndStartsAfterIt() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    assertThat(p.service().get("Unit.Requires")).containsExactly("nonstop-hello.socket");
    assertThat(words(p.service().get("Unit.After"))).contains("nonstop-hello.socket");
    assertThat(p.service().get("Install.WantedBy")).containsExactly("multi-user.target");
  }

  @Test
  void aCrashedDaemonIsRestartedWhileItsServersKeepRunning() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    assertThat(p.service().get("Service.KillMode")).containsExactly("process");
    assertThat(p.service().get("Service.Restart")).containsExactly("always");
    assertThat(p.service().get("Service.RestartPreventExitStatus")).containsExactly("2");
    assertThat(p.service().get("Service.SuccessExitStatus")).containsExactly("143");
  }

  @Test
  void theStopTimeoutCoversTheDrainAndTheServersStop() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO + """
        drain: 20s
        stop: { timeout: 5500ms }
        health: { deadline: 45s }
        """).toString());

    assertThat(p.service().get("Service.TimeoutStopSec")).containsExactly("41s"); // 20 + 5.5 + 15, rounded up
    assertThat(p.service().get("Service.TimeoutStartSec")).containsExactly("75s");
  }

  @Test
  void theHeaderSaysWhereTheFilesGoAndWhatToEnable() throws IOException {
    Printed p = print("systemd", "-f", config(HELLO).toString());

    assertThat(p.out()).startsWith("# systemd units for hello")
        .contains("/etc/systemd/system/nonstop-hello.socket")
        .contains("/etc/systemd/system/nonstop-hello.service")
        .contains("#   systemctl daemon-reload\n")
        .contains("#   systemctl enable --now nonstop-hello.socket nonstop-hello.service\n");
  }

  @Test
  void userUnitsAreForTheUsersOwnManager() throws IOException {
    Printed p = print("systemd", "--user", "-f", config(HELLO).toString());

    Path home = Path.of(System.getProperty("user.home"));
    assertThat(p.out()).contains(home.resolve(".config/systemd/user/nonstop-hello.service").toString())
        .contains("#   systemctl --user enable --now nonstop-hello.socket nonstop-hello.service\n")
        .contains("loginctl enable-linger");
    assertThat(p.service().get("Install.WantedBy")).containsExactly("default.target");
    assertThat(p.service().get("Service.User")).isNull();
    assertThat(words(p.service().get("Unit.After"))).containsExactly("nonstop-hello.socket");
  }

  @Test
  void pathsAreEscapedForSystemd() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("my app %h $HOME"));
    Files.writeString(folder.resolve("nonstop.yml"), HELLO);

    Printed p = print("systemd", "-f", folder.toString());

    assertThat(p.service().get("Service.ExecStart").get(0))
        .endsWith(" up -f \"" + folder.toString().replace("%", "%%").replace("$", "$$") + "/nonstop.yml\"");
    assertThat(p.service().get("Service.WorkingDirectory")).containsExactly(folder.toString().replace("%", "%%"));
  }

  @Test
  void writePutsBothUnitsIntoTheFolder() throws IOException {
    Path file = config(HELLO);
    Printed printed = print("systemd", "-f", file.toString());
    Path units = dir.resolve("units");

    Cli cli = new Cli(null);
    assertThat(cli.run("systemd", "-f", file.toString(), "--write", units.toString())).as(cli.err()).isZero();

    assertThat(cli.out()).startsWith("wrote " + units.resolve("nonstop-hello.socket") + "\n"
        + "wrote " + units.resolve("nonstop-hello.service") + "\n");
    assertThat(Files.readString(units.resolve("nonstop-hello.socket"))).isEqualTo(printed.unit("nonstop-hello.socket"));
    assertThat(Files.readString(units.resolve("nonstop-hello.service"))).isEqualTo(printed.unit("nonstop-hello.service"));
  }

  @Test
  void anInvalidConfigIsExitCode2WithWhereAndWhy() throws IOException {
    Path file = config(HELLO + "batch: 0\n");

    Cli cli = new Cli(null);
    assertThat(cli.run("systemd", "-f", file.toString())).isEqualTo(2);

    assertThat(cli.err()).contains(file + ":4:").contains("batch");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void aMissingConfigIsExitCode2() {
    Cli cli = new Cli(null);
    assertThat(cli.run("systemd", "-f", dir.resolve("nowhere.yml").toString())).isEqualTo(2);

    assertThat(cli.err()).contains("not found");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void aListenPortPickedAtEachStartIsRefused() throws IOException {
    Cli cli = new Cli(null);
    assertThat(cli.run("systemd", "-f", config(HELLO.replace(":18080", ":0")).toString())).isEqualTo(2);

    assertThat(cli.err()).contains("listen: 127.0.0.1:0").contains("a fixed port");
    assertThat(cli.out()).isEmpty();
  }

  /** Skipped where systemd is not installed; tells whether systemd itself reads every line as meant. */
  @Test
  void systemdAnalyzeVerifyFindsNothingToSay() throws Exception {
    Path analyze = onPath("systemd-analyze");
    assumeTrue(analyze != null, "systemd-analyze is not installed");
    Path units = dir.resolve("units");
    Cli cli = new Cli(null);
    assertThat(cli.run("systemd", "-f", config(HELLO).toString(), "--write", units.toString())).as(cli.err()).isZero();

    Process verify = new ProcessBuilder(analyze.toString(), "verify", "nonstop-hello.socket", "nonstop-hello.service")
        .directory(units.toFile()).redirectErrorStream(true).start();
    String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(said).isEmpty();
    assertThat(verify.exitValue()).isZero();
  }

  @Test
  void severalAppsShareUnitsNamedAfterTheirFolderWithTheLongestTimeouts() throws IOException {
    Path shop = Files.createDirectories(dir.resolve("shop"));
    Path file = shop.resolve("nonstop.yml");
    Files.writeString(file, """
        listen: 127.0.0.1:18080
        apps:
          web:
            run: ./web --port={port}
            hosts: [shop.example]
            drain: 20s
          api:
            run: ./api --port={port}
            hosts: [api.shop.example]
            drain: 50s
            health: { deadline: 90s }
        """);
    Printed p = print("systemd", "-f", file.toString());

    Map<String, List<String>> service = Printed.settings(p.unit("nonstop-shop.service"));
    assertThat(service.get("Unit.Description").get(0)).contains("web, api");
    assertThat(service.get("Service.TimeoutStopSec")).containsExactly("75s"); // api: 50 + 10 + 15
    assertThat(service.get("Service.TimeoutStartSec")).containsExactly("120s"); // api: 90 + 30
    assertThat(Printed.settings(p.unit("nonstop-shop.socket")).get("Socket.ListenStream"))
        .containsExactly("127.0.0.1:18080");
  }

  private Path config(String yaml) throws IOException {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return file;
  }

  private static Printed print(String... args) {
    Cli cli = new Cli(null);
    assertThat(cli.run(args)).as(cli.err()).isZero();
    assertThat(cli.err()).isEmpty();
    return new Printed(cli.out());
  }

  private static List<String> words(List<String> values) {
    assertThat(values).hasSize(1);
    return List.of(values.get(0).split(" "));
  }

  private static Path onPath(String command) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst().orElse(null);
  }

  /** What 'nonstop systemd' printed: a comment, then the socket unit, then the service unit. */
  private record Printed(String out) {
    /** The text of one unit, from its first comment line to the next unit's. */
    String unit(String file) {
      int start = out.indexOf("\n# " + file + ": ") + 1;
      assertThat(start).as(file).isPositive();
      int next = out.indexOf("\n# nonstop-", start);
      return next < 0 ? out.substring(start) : out.substring(start, next);
    }

    Map<String, List<String>> socket() {
      return settings(unit("nonstop-hello.socket"));
    }

    Map<String, List<String>> service() {
      return settings(unit("nonstop-hello.service"));
    }

    /** {@code Section.Key} to its values in order, as systemd reads them: comments and blank lines skipped. */
    private static Map<String, List<String>> settings(String unit) {
      Map<String, List<String>> settings = new LinkedHashMap<>();
      String section = "";
      for (String line : unit.split("\n")) {
        if (line.startsWith("[")) {
          section = line.substring(1, line.indexOf(']'));
        } else if (!line.isBlank() && !line.startsWith("#")) {
          int eq = line.indexOf('=');
          settings.computeIfAbsent(section + "." + line.substring(0, eq), k -> new ArrayList<>())
              .add(line.substring(eq + 1));
        }
      }
      return settings;
    }
  }
}
