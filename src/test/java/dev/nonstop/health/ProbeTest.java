package dev.nonstop.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProbeTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  @Test
  void twoHundredPassesAndSendsHostAndConnectionClose() throws Exception {
    try (FakeBackendServer server = new FakeBackendServer()) {
      Probe.Result result = Probe.get(server.address(), "/health?deep=1", TIMEOUT);

      assertThat(result).isEqualTo(new Probe.Result(true, "status 200"));
      assertThat(server.lastRequest()).isEqualTo(
          "GET /health?deep=1 host=127.0.0.1:" + server.address().getPort() + " connection=close");
    }
  }

  @Test
  void redirectPasses() throws Exception {
    try (FakeBackendServer server = new FakeBackendServer()) {
      server.answer(302);
      assertThat(Probe.get(server.address(), "/", TIMEOUT)).isEqualTo(new Probe.Result(true, "status 302"));
    }
  }

  @Test
  void serverErrorFailsWithItsStatus() throws Exception {
    try (FakeBackendServer server = new FakeBackendServer()) {
      server.answer(500);
      assertThat(Probe.get(server.address(), "/", TIMEOUT)).isEqualTo(new Probe.Result(false, "status 500"));
    }
  }

  @Test
  void closedPortFailsAsConnectionRefused() throws Exception {
    InetSocketAddress address;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      address = new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
    assertThat(Probe.get(address, "/", TIMEOUT)).isEqualTo(new Probe.Result(false, "connection refused"));
  }

  @Test
  void silentServerFailsAsTimeout() throws Exception {
    try (FakeBackendServer server = new FakeBackendServer()) {
      server.hang();
      Probe.Result result = Probe.get(server.address(), "/", Duration.ofMillis(100));
      assertThat(result).isEqualTo(new Probe.Result(false, "timeout after 100ms"));
    }
  }

  @Test
  void garbageIsNotAPass() {
    assertThat(Probe.status("SSH-2.0-OpenSSH_9.2").passed()).isFalse();
    assertThat(Probe.status("HTTP/1.1 abc Nope").passed()).isFalse();
    assertThat(Probe.status("HTTP/1.0 204")).isEqualTo(new Probe.Result(true, "status 204"));
  }
}
