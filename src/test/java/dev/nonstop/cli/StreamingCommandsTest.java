package dev.nonstop.cli;

import static dev.nonstop.admin.FakeControl.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.admin.ControlException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingCommandsTest extends AgainstAdminServer {

  @Test
  void deployPrintsEachEventAndExitsZeroWhenDone() {
    control.script = List.of(
        event("step", 1, "start 127.0.0.1:40001"),
        event("info", 1, "127.0.0.1:40001 is UP"),
        event("step", 2, "drain 127.0.0.1:40000: 2 in flight"),
        event("done", 0, "1.0.3 is live"));

    int exit = cli.run("deploy", "1.0.3", "--strategy", "blue-green", "--batch", "50%", "--surge", "1");

    assertThat(exit).as(cli.err()).isZero();
    assertThat(cli.out().lines()).hasSize(4);
    assertThat(cli.out().lines().map(l -> l.substring(14)))
        .containsExactly("[1/2] start 127.0.0.1:40001", "[1/2] 127.0.0.1:40001 is UP",
            "[2/2] drain 127.0.0.1:40000: 2 in flight", "1.0.3 is live");
    assertThat(cli.out()).matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  \\[1/2\\].*");
    assertThat(control.calls).containsExactly(
        "deploy DeployRequest[version=1.0.3, strategy=blue-green, batch=50%, surge=1, preview=false, bake=null]", "history");
  }

  @Test
  void deployExitsOneOnFailedAndPrintsEveryLineOfTheMessage() {
    control.script = List.of(
        event("step", 1, "start 127.0.0.1:40001"),
        event("failed", 1, "127.0.0.1:40001 did not become healthy in 30s\nlast lines:\n  Exception: port in use"));

    int exit = cli.run("deploy", "1.0.3");

    assertThat(exit).isEqualTo(1);
    assertThat(cli.out()).contains("[1/1] failed: 127.0.0.1:40001 did not become healthy in 30s\n"
        + "              last lines:\n"
        + "                Exception: port in use\n");
    assertThat(control.calls).containsExactly(
        "deploy DeployRequest[version=1.0.3, strategy=null, batch=null, surge=null, preview=false, bake=null]", "history");
  }

  @Test
  void rollbackAndPromoteStreamTheSameWay() {
    assertThat(cli.run("rollback")).isZero();
    assertThat(cli.run("promote")).isZero();
    assertThat(control.calls).containsExactly("rollback", "history", "promote", "history");
    assertThat(cli.out()).contains("[1/1] start", "done");
  }

  @Test
  void aRefusalPrintsTheServersErrorAndExitsOne() {
    control.refusal = new ControlException(409, "a deployment is under way: #3 → 1.0.3 (see: nonstop status)");

    assertThat(cli.run("deploy", "1.0.4")).isEqualTo(1);
    assertThat(cli.err()).isEqualTo("a deployment is under way: #3 → 1.0.3 (see: nonstop status)\n");
  }

  @Test
  void aWrongTokenIsRefusedWithExitOne() {
    Cli stranger = new Cli(new Target(server.address(), "not-the-token", Path.of("nonstop.yml")));

    assertThat(stranger.run("rollback")).isEqualTo(1);
    assertThat(stranger.err()).contains("admin token");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void badOptionsAreUsageErrorsAndCallNothing() {
    assertThat(cli.run("deploy", "1.0.3", "--strategy", "rolling")).isEqualTo(2);
    assertThat(cli.err()).startsWith("Invalid value for option '--strategy': strategy: 'rolling' (expected: in-place, blue-green or canary)\n");
    assertThat(cli.run("deploy", "1.0.3", "--batch", "0")).isEqualTo(2);
    assertThat(cli.run("deploy")).isEqualTo(2);
    assertThat(control.calls).isEmpty();
  }

  @Test
  void saysHowToStartNonstopWhenItIsNotRunning() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Cli nobody = new Cli(new Target(new InetSocketAddress("127.0.0.1", port), TOKEN, Path.of("nonstop.yml")));

    assertThat(nobody.run("deploy", "1.0.3")).isEqualTo(1);
    assertThat(nobody.err()).isEqualTo("nonstop is not running at 127.0.0.1:" + port
        + " (start it with: nonstop up -f nonstop.yml --version V)\n");
  }
}
