package dev.nonstop.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pool split for a canary: shares by client, sticky, monotone, and never stuck on an empty side. */
class PoolSplitTest {
  private final Backend old1 = backend(40001, "1.0.1");
  private final Backend old2 = backend(40002, "1.0.1");
  private final Backend new1 = backend(40003, "1.0.2");
  private final Pool pool = Pool.of(Selector.roundRobin(), List.of(old1, old2));
  private final Backend[] none = new Backend[4];

  private static Backend backend(int port, String release) {
    return new Backend(new InetSocketAddress("127.0.0.1", port), release, Health.UP);
  }

  private static String client(int i) {
    return "10.0." + (i / 250) + "." + (i % 250);
  }

  private static double canaryShare(Pool p, int clients) {
    int onCanary = 0;
    for (int i = 0; i < clients; i++) {
      if (p.select(new Backend[4], 0, client(i)).label().equals("1.0.2")) {
        onCanary++;
      }
    }
    return (double) onCanary / clients;
  }

  @Test
  void aPoolThatIsNotSplitIgnoresTheClient() {
    assertThat(pool.isSplit()).isFalse();
    assertThat(pool.select(none, 0, "10.0.0.1").label()).isEqualTo("1.0.1");
  }

  @Test
  void theCanaryTakesItsShareOfClients() {
    assertThat(canaryShare(pool.withCanary(List.of(new1), 5), 10_000)).isBetween(0.04, 0.06);
    assertThat(canaryShare(pool.withCanary(List.of(new1), 25), 10_000)).isBetween(0.23, 0.27);
    assertThat(canaryShare(pool.withCanary(List.of(new1), 100), 1_000)).isEqualTo(1.0);
  }

  @Test
  void aClientStaysOnItsSideAndMovesOnlyToTheCanaryAsTheWeightGrows() {
    Pool five = pool.withCanary(List.of(new1), 5);
    Pool fifty = pool.withCanary(List.of(new1), 50);
    for (int i = 0; i < 2_000; i++) {
      String side = five.select(none, 0, client(i)).label();
      for (int again = 0; again < 3; again++) {
        assertThat(five.select(none, 0, client(i)).label()).isEqualTo(side);
      }
      if (side.equals("1.0.2")) {
        assertThat(fifty.select(none, 0, client(i)).label()).isEqualTo("1.0.2");
      }
    }
  }

  @Test
  void clientsOfASideWithNoUsableBackendGoToTheOther() {
    Pool all = pool.withCanary(List.of(new1), 100);
    new1.setHealth(Health.DOWN, "test");

    assertThat(all.select(none, 0, "10.0.0.1").label()).isEqualTo("1.0.1");
    assertThat(all.select(new Backend[] {old1, old2}, 2, "10.0.0.1")).isNull();
  }

  @Test
  void aSplitEndsWithItsLastCanaryOrASwitch() {
    Pool split = pool.withCanary(List.of(new1), 50);

    assertThat(split.backends()).containsExactly(old1, old2, new1);
    assertThat(split.contains(new1)).isTrue();
    assertThat(split.without(old1).canary()).containsExactly(new1);
    assertThat(split.without(new1).isSplit()).isFalse();
    assertThat(split.withoutCanary().backends()).containsExactly(old1, old2);
    assertThat(split.withBackends(List.of(new1)).isSplit()).isFalse();
    assertThat(split.with(backend(40004, "1.0.1")).canaryPercent()).isEqualTo(50);
  }

  @Test
  void aWeightOutsideOneToAHundredIsRefused() {
    assertThatThrownBy(() -> pool.withCanary(List.of(new1), 0)).hasMessage("percent: 0 (expected: 1 to 100)");
    assertThatThrownBy(() -> pool.withCanary(List.of(), 5)).hasMessageContaining("expected: at least one backend");
  }
}
