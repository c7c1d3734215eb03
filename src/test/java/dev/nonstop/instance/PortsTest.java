package dev.nonstop.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Ports for new servers: below the kernel's range for outgoing connections, never twice in a row. */
class PortsTest {
  private static int ephemeralStart() throws Exception {
    return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
        .get(0).trim().split("\\s+")[0]);
  }

  @Test
  void aPortComesFromBelowTheRangeOfOutgoingConnectionsWhereThereIsRoom() throws Exception {
    assumeTrue(Files.isReadable(Path.of("/proc/sys/net/ipv4/ip_local_port_range")), "not Linux");
    int start = ephemeralStart();
    assumeTrue(start > 12_000, "no room below the range here: " + start);
    for (int i = 0; i < 20; i++) {
      assertThat(Ports.free()).isBetween(10_000, start - 1);
    }
  }

  @Test
  void portsGivenOneAfterAnotherAreAllDifferent() {
    // as a deploy step starts its servers: each asks for a port before the others bind theirs
    Set<Integer> given = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      assertThat(given.add(Ports.free())).as("port given twice among the last %d", i).isTrue();
    }
  }
}
