package dev.nonstop.cli;

import static dev.nonstop.cli.SystemdSyntax.assignment;
import static dev.nonstop.cli.SystemdSyntax.execArgument;
import static dev.nonstop.cli.SystemdSyntax.seconds;
import static dev.nonstop.cli.SystemdSyntax.specifiersEscaped;
import static java.util.Objects.requireNonNull;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The two systemd units that run one app's Nonstop: a socket unit that holds the listen port, so
 * that connections queue in the kernel while the daemon restarts, and the service that runs
 * {@code nonstop up} on it. Each unit's comments say why it is set as it is; they are the
 * documentation a reader of {@code /etc/systemd/system} finds.
 *
 * @param launcher the absolute path of the {@code nonstop} launcher script
 * @param user who the system service runs as; null for the manager's own user (root, or the user
 *     of a {@code --user} manager)
 * @param javaHome the JDK whose {@code bin} goes first in the service's PATH
 */
record SystemdUnits(Config config, Scope scope, Path launcher, String user, Path javaHome) {
  /** The system's service manager, or the user's own ({@code systemctl --user}). */
  enum Scope {
    SYSTEM, USER;

    /** Where the manager reads the units of its administrator. */
    Path dir(Path home) {
      return this == SYSTEM ? Path.of("/etc/systemd/system") : home.resolve(".config/systemd/user");
    }

    String systemctl() {
      return this == SYSTEM ? "systemctl" : "systemctl --user";
    }
  }

  /** Room for the connections that arrive while the daemon is down; the kernel caps it at somaxconn. */
  static final int BACKLOG = 4096;
  /** Beyond the drain and the stop timeout: the JVM's own stop, the admin API's, the state's last save. */
  static final Duration STOP_MARGIN = Duration.ofSeconds(15);
  /** Beyond the health deadline: a JVM's start, and taking the socket and the servers over. */
  static final Duration START_MARGIN = Duration.ofSeconds(30);
  private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  SystemdUnits {
    requireNonNull(config, "config");
    requireNonNull(scope, "scope");
    requireNonNull(launcher, "launcher");
    requireNonNull(javaHome, "javaHome");
    if (config.listen().getPort() == 0) {
      throw new IllegalArgumentException(config.file() + ": listen: " + SystemdSyntax.listenStream(config.listen())
          + " picks a free port at each start (expected: a fixed port, which the socket unit holds)");
    }
  }

  /**
   * {@code nonstop-APP}, the name both units share; with several apps, {@code nonstop-FOLDER} after
   * the folder of nonstop.yml, which stays the same as apps come and go.
   */
  String name() {
    if (!config.routed()) {
      return "nonstop-" + config.first().app();
    }
    Path folder = config.file().toAbsolutePath().getParent();
    String n = folder == null || folder.getFileName() == null ? "apps"
        : folder.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "-");
    return "nonstop-" + n;
  }

  /** The app, or the apps of the file, as the units' descriptions name them. */
  private String apps() {
    return String.join(", ", config.names());
  }

  /** Of every app: the longest drain, stop timeout and health deadline decide the unit's timeouts. */
  private Duration longest(java.util.function.Function<AppConfig, Duration> of) {
    return config.apps().stream().map(of).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  String socketFile() {
    return name() + ".socket";
  }

  String serviceFile() {
    return name() + ".service";
  }

  /** The address as {@code ListenStream=} takes it: {@code 127.0.0.1:8080}, {@code [::]:80}. */
  String listenStream() {
    return SystemdSyntax.listenStream(config.listen());
  }

  String socket() {
    InetSocketAddress a = config.listen();
    String dualStack = a.getAddress() instanceof Inet6Address && a.getAddress().isAnyLocalAddress()
        ? "# [::] takes IPv4 clients too, as nonstop up binding it itself would\nBindIPv6Only=both\n"
        : "";
    return fill("""
        # {socket}: the port the clients of {app} connect to, held open by systemd.
        # It stays open while the daemon restarts (a crash, systemctl restart):
        # connections wait in the kernel's queue and are served once the daemon is back, instead
        # of being refused. {service} gets it as fd 3 (LISTEN_FDS=1).
        # Stopping the service alone leaves the port open, and the next connection starts the
        # service again: stop both units to close it.
        # Written by 'nonstop systemd' from {config}.

        [Unit]
        Description=Nonstop: the listening socket of {app} ({listen})

        [Socket]
        ListenStream={listen}
        {dualStack}NoDelay=true
        # the connections that may wait while the daemon restarts (the kernel caps it at
        # net.core.somaxconn)
        Backlog={backlog}

        [Install]
        WantedBy=sockets.target
        """, Map.of("dualStack", dualStack, "backlog", Integer.toString(BACKLOG), "listen", listenStream()));
  }

  String service() {
    return serviceHead() + "\n" + serviceLifecycle() + "\n[Install]\nWantedBy="
        + (scope == Scope.SYSTEM ? "multi-user.target" : "default.target") + "\n";
  }

  /** The description, the dependencies and how the daemon is started and reloaded. */
  private String serviceHead() {
    String network = scope == Scope.SYSTEM
        ? "After={socket} network-online.target\nWants=network-online.target\n"
        : "After={socket}\n";
    String user = this.user == null ? ""
        : "# the owner of nonstop.yml: the state folder and the servers are theirs\nUser=" + this.user + "\n";
    return fill("""
        # {service}: Nonstop for {app}, serving the socket of {socket}.
        # Written by 'nonstop systemd' from {config}; print it again after a change
        # of listen, drain, stop or health there.

        [Unit]
        Description=Nonstop: {app} behind its zero-downtime load balancer
        Requires={socket}
        {network}
        [Service]
        # up serves the socket it inherits once the live release's servers are healthy, and then
        # says so (READY=1 on $NOTIFY_SOCKET): systemctl start returns then. Connections wait in the
        # socket's queue until then.
        Type=notify
        {user}WorkingDirectory={folder}
        # the launcher runs java (and mvn, when the jar is older than the sources): this JDK first
        Environment={environment}
        ExecStart={launcher} up -f {file}
        # systemctl reload is a takeover, without a request dropped: the way to upgrade Nonstop or to
        # apply an edited nonstop.yml. SIGHUP makes the running daemon start its successor itself
        # ('up --takeover', same java and options, the jar on disk now, a session of its own, this
        # environment and journal), which takes the listening socket and the servers over. Once it
        # serves, the successor names itself the main process (MAINPID= and READY=1 on
        # $NOTIFY_SOCKET; NotifyAccess=all, as it is not the main process yet when it says so), and
        # only then does the old daemon exit: systemd follows the new pid, and the old one's exit is
        # not the service's end. The reload returns once the signal is sent; the takeover's outcome
        # is in the journal. If it fails, the old daemon serves on, still the main process.
        ExecReload=/bin/kill -HUP $MAINPID
        NotifyAccess=all
        """, Map.of(
            "network", fill(network, Map.of()),
            "user", user,
            "folder", specifiersEscaped(config.file().getParent().toString()),
            "environment", assignment("JAVA_HOME=" + javaHome) + " "
                + assignment("PATH=" + javaHome.resolve("bin") + ":" + DEFAULT_PATH),
            "launcher", execArgument(launcher.toString()),
            "file", execArgument(config.file().toString())));
  }

  /** What ends the daemon, what brings it back, and how long each may take. */
  private String serviceLifecycle() {
    Duration drain = longest(AppConfig::drain);
    Duration stopTimeout = longest(AppConfig::stopTimeout);
    Duration deadline = longest(AppConfig::healthDeadline);
    Duration stop = drain.plus(stopTimeout).plus(STOP_MARGIN);
    Duration start = deadline.plus(START_MARGIN);
    return fill("""
        # stop and restart signal the daemon alone (SIGTERM): it drains the servers' requests and
        # stops the servers itself. The servers must outlive a daemon that crashes or is killed
        # (kill -9, out of memory): the restarted daemon adopts them instead of starting new ones.
        # control-group or mixed would have systemd kill them along with it. After such a crash,
        # systemd's "Found left-over process" at the next start is expected.
        KillMode=process
        # the inherited socket non-blocking from the start: an event loop must never wait in accept()
        NonBlocking=yes
        # back after any exit systemd did not ask for; the socket queues connections meanwhile
        Restart=always
        RestartSec=1s
        # exit 2 is a mistake in nonstop.yml, which no restart mends
        RestartPreventExitStatus=2
        # what a JVM ended by SIGTERM exits with
        SuccessExitStatus=143
        # drain ({drain}) + stop timeout ({stopTimeout}) + {stopMargin} for the JVM. Past it systemd
        # kills the daemon alone: its servers outlive it, and the next start adopts them.
        TimeoutStopSec={stop}
        # the longest a start may take until READY=1: a daemon's start plus, at worst, the servers'
        # health deadline ({deadline}); past it systemd stops the daemon and tries again. A reload
        # only sends a signal: the takeover keeps its own deadline.
        TimeoutStartSec={start}
        """, Map.of(
            "drain", seconds(drain),
            "stopTimeout", seconds(stopTimeout),
            "stopMargin", seconds(STOP_MARGIN),
            "stop", seconds(stop),
            "deadline", seconds(deadline),
            "start", seconds(start)));
  }

  /** A comment that says where the printed units go (in {@code dir}), and how to use them. */
  String installComment(Path dir) {
    return fill("""
        # systemd units for {app}, from {config}.
        # Install them ({root}or let 'nonstop systemd -f {config}{userFlag} --write {dir}'
        # write both files):
        #   {dir}/{socket}    the first unit below
        #   {dir}/{service}   the second
        """, Map.of("root", scope == Scope.SYSTEM ? "as root, " : "", "dir", dir.toString(),
            "userFlag", scope == Scope.SYSTEM ? "" : " --user")) + usage();
  }

  /** How to enable the installed units, and what each systemctl verb does to Nonstop. */
  String usage() {
    String linger = scope == Scope.SYSTEM ? ""
        : "#   loginctl enable-linger\n#       so that they run without a login, from boot on\n";
    return fill("""
        #   {systemctl} daemon-reload
        #   {systemctl} enable --now {socket} {service}
        {linger}# The first start needs a live release: if nonstop has none yet, run
        # 'nonstop up -f {config} --version V' once and stop it with Ctrl-C (the state keeps it).
        # Then:
        #   {systemctl} reload {name}
        #       a takeover: a new daemon replaces the running one, no request dropped (an upgrade of
        #       Nonstop, or an edited nonstop.yml applied); it returns at once, the journal tells the rest
        #   {systemctl} restart {name}
        #       the servers are drained, stopped and started again; connections wait in the socket
        #       until they are healthy
        #   {systemctl} stop {socket} {service}
        #       stops everything (the service alone: the next connection starts it again)
        #   journalctl {journalUser}-u {name}
        #       the daemon's log
        """, Map.of("systemctl", scope.systemctl(), "linger", linger,
            "journalUser", scope == Scope.SYSTEM ? "" : "--user "));
  }

  /**
   * {@code template} with each {@code {key}} replaced by its value from {@code values} or the
   * names every unit mentions (app, config, name, socket, service). One pass: a value (a path, say)
   * that happens to contain {@code {app}} is left as it is.
   */
  private String fill(String template, Map<String, String> values) {
    Map<String, String> all = new HashMap<>(values);
    all.put("app", apps());
    all.put("config", config.file().toString());
    all.put("name", name());
    all.put("socket", socketFile());
    all.put("service", serviceFile());
    StringBuilder out = new StringBuilder(template.length() + 256);
    int at = 0;
    while (at < template.length()) {
      int open = template.indexOf('{', at);
      int close = open < 0 ? -1 : template.indexOf('}', open);
      String value = close < 0 ? null : all.get(template.substring(open + 1, close));
      if (value == null) {
        int end = open < 0 ? template.length() : open + 1;
        out.append(template, at, end);
        at = end;
      } else {
        out.append(template, at, open).append(value);
        at = close + 1;
      }
    }
    return out.toString();
  }
}
