package dev.nonstop.pool;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Takes the backend with the fewest requests in flight. The scan starts at a random place so that
 * ties spread evenly without a shared counter between event loops.
 */
final class LeastInFlightSelector implements Selector {

  @Override
  public Backend select(Backend[] backends, Backend[] tried, int triedCount) {
    int n = backends.length;
    if (n == 0) {
      return null;
    }
    int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    Backend best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Backend b = backends[(start + i) % n];
      if (!b.isUsable() || Selector.contains(tried, triedCount, b)) {
        continue;
      }
      int load = b.inFlight();
      if (load < bestLoad) {
        best = b;
        bestLoad = load;
      }
    }
    return best;
  }

  @Override
  public String name() {
    return "least-in-flight";
  }
}
