package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The first commands a newcomer types, and what they answer when something is off. */
class NewcomerCommandsTest extends AgainstAdminServer {

  @Test
  void deployTakesTheVersionAsAnOptionAsUpDoes() {
    assertThat(cli.run("deploy", "--version", "v2")).as(cli.err()).isZero();

    assertThat(control.calls).first().asString().startsWith("deploy DeployRequest[version=v2,");
  }

  @Test
  void deployWithoutAVersionIsAUsageErrorAndDeploysNothing() {
    assertThat(cli.run("deploy")).isEqualTo(2);

    assertThat(cli.err()).contains("which version to deploy");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void deployWithTwoDifferentVersionsIsAUsageErrorAndDeploysNothing() {
    assertThat(cli.run("deploy", "1.0.2", "--version", "1.0.3")).isEqualTo(2);

    assertThat(cli.err()).contains("1.0.2").contains("1.0.3");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void dashboardPrintsNoLinkWhenNothingAnswers() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Cli none = new Cli(new Target(new InetSocketAddress("127.0.0.1", port), TOKEN, Path.of("nonstop.yml")));

    assertThat(none.run("dashboard")).isEqualTo(1);

    assertThat(none.out()).isEmpty();
    assertThat(none.err()).contains("not running at 127.0.0.1:" + port);
  }

  @Test
  void dashboardPrintsNoLinkWhenTheTokenIsRefused() {
    Cli wrong = new Cli(new Target(server.address(), "not-the-token", Path.of("nonstop.yml")));

    assertThat(wrong.run("dashboard")).isEqualTo(1);

    assertThat(wrong.out()).isEmpty();
  }
}
