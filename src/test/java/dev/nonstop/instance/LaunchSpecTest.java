package dev.nonstop.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LaunchSpecTest {
  private static final Path DIR = Path.of("/tmp");

  @Test
  void stopSignalIsNormalized() {
    LaunchSpec spec = new LaunchSpec("./server", DIR, Map.of(), "sigint", Duration.ofSeconds(1), DIR);

    assertThat(spec.stopSignal()).isEqualTo("INT");
  }

  @Test
  void unknownSignalSaysWhatIsExpected() {
    assertThatThrownBy(() -> new LaunchSpec("./server", DIR, Map.of(), "USR1", Duration.ofSeconds(1), DIR))
        .hasMessage("stopSignal: 'USR1' (expected: TERM, INT, HUP, QUIT or KILL)");
  }

  @Test
  void negativeStopTimeoutIsRefused() {
    assertThatThrownBy(() -> new LaunchSpec("./server", DIR, Map.of(), "TERM", Duration.ofSeconds(-1), DIR))
        .hasMessage("stopTimeout: PT-1S (expected: >= 0)");
  }

  @Test
  void badRunIsRefusedAtOnce() {
    assertThatThrownBy(() -> LaunchSpec.of("./server 'x", DIR, DIR)).hasMessageContaining("expected: a closing '");
  }

  @Test
  void freePortCanBeBound() throws Exception {
    int port = Ports.free();

    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }
}
