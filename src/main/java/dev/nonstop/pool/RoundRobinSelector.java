package dev.nonstop.pool;

import java.util.concurrent.atomic.AtomicInteger;

/** Takes the backends in turn. */
final class RoundRobinSelector implements Selector {
  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Backend select(Backend[] backends, Backend[] tried, int triedCount) {
    int n = backends.length;
    if (n == 0) {
      return null;
    }
    int start = (next.getAndIncrement() & Integer.MAX_VALUE) % n;
    for (int i = 0; i < n; i++) {
      Backend b = backends[(start + i) % n];
      if (b.isUsable() && !Selector.contains(tried, triedCount, b)) {
        return b;
      }
    }
    return null;
  }

  @Override
  public String name() {
    return "round-robin";
  }
}
