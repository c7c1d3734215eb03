package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The descriptor limit is read from /proc/self/limits and leaves room for backend connections. */
class FdLimitTest {
  private static final List<String> LIMITS = List.of(
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             63450                63450                processes ",
      "Max open files            1024                 524288               files     ",
      "Max locked memory         8388608              8388608              bytes     ");

  @Test
  void readsTheSoftLimitOfOpenFiles() {
    assertThat(FdLimit.maxOpenFiles(LIMITS)).isEqualTo(1024);
  }

  @Test
  void anUnlimitedOrMissingLimitIsUnknown() {
    assertThat(FdLimit.maxOpenFiles(List.of(
        "Max open files            unlimited            unlimited            files"))).isEqualTo(-1);
    assertThat(FdLimit.maxOpenFiles(List.of())).isEqualTo(-1);
    assertThat(FdLimit.UNKNOWN.clientConnections()).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void eachClientConnectionIsGivenRoomForABackendConnection() {
    // 1024 less 36 open at start, less 64 kept, halved
    assertThat(new FdLimit(1024, 36).clientConnections()).isEqualTo(462);
    assertThat(new FdLimit(80, 70).clientConnections()).isEqualTo(1);
  }

  @Test
  void thisProcessHasALimit() {
    FdLimit here = FdLimit.current();
    assertThat(here.max()).isPositive();
    assertThat(here.open()).isPositive().isLessThan(here.max());
  }
}
