package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Point 4: swapping the pool under load loses nothing, and the new set alone answers after. */
class SwapTest {
  @Test
  void poolSwapUnderConcurrentLoadLosesNothing() throws Exception {
    try (FakeBackend blue1 = new FakeBackend("blue1");
        FakeBackend blue2 = new FakeBackend("blue2");
        FakeBackend green1 = new FakeBackend("green1");
        FakeBackend green2 = new FakeBackend("green2")) {
      Pool blue = Pool.of(Selector.leastInFlight(), List.of(blue1.backend(), blue2.backend()));
      Pool green = blue.withBackends(List.of(green1.backend(), green2.backend()));
      try (Proxy proxy = Proxy.start(
          TestTransport.options(), blue)) {
        RetryTest.Load load = new RetryTest.Load(proxy.address(), 4);
        for (int i = 0; i < 40; i++) {
          proxy.swap(i % 2 == 0 ? green : blue);
          load.awaitRequests(10);
        }
        proxy.swap(green);
        load.awaitRequests(20);
        load.stop();
        assertThat(load.errors).isEmpty();
        assertThat(blue1.requests.get() + blue2.requests.get()).isPositive();
        try (RawClient c = new RawClient(proxy.address())) {
          for (int i = 0; i < 20; i++) {
            assertThat(c.get("/").body()).startsWith("green");
          }
        }
      }
    }
  }
}
