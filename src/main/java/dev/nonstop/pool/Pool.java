package dev.nonstop.pool;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An immutable set of backends and the selector that spreads requests over them. Requests read
 * the current pool through one atomic reference; changing the set means building a new pool and
 * swapping it in, so a request never sees a half-changed set.
 *
 * <p>A pool may be split for a canary: a second set of backends takes {@code percent} of the
 * clients. Each client falls in one of 100 buckets by a hash of its key (its address), the first
 * {@code percent} buckets go to the canary; so a client stays on one side while the weight holds,
 * and one that was on the canary stays there as the weight grows. When one side has no usable
 * backend, its clients go to the other: serving beats sticking.
 */
public final class Pool {
  private static final Backend[] NONE = new Backend[0];

  private final Backend[] backends;
  private final Selector selector;
  private final Backend[] canary;
  private final int percent;

  private Pool(Backend[] backends, Selector selector) {
    this(backends, selector, NONE, 0);
  }

  private Pool(Backend[] backends, Selector selector, Backend[] canary, int percent) {
    this.backends = backends;
    this.selector = selector;
    this.canary = canary;
    this.percent = percent;
  }

  public static Pool of(Selector selector, List<Backend> backends) {
    requireNonNull(selector, "selector");
    requireNonNull(backends, "backends");
    return new Pool(backends.toArray(new Backend[0]), selector);
  }

  public static Pool empty(Selector selector) {
    return of(selector, List.of());
  }

  /** A usable backend not among the first {@code triedCount} of {@code tried}, or null. */
  public Backend select(Backend[] tried, int triedCount) {
    if (canary.length == 0) {
      return selector.select(backends, tried, triedCount);
    }
    return select(tried, triedCount, java.util.concurrent.ThreadLocalRandom.current().nextInt(100));
  }

  /**
   * As {@link #select(Backend[], int)}, with the client's side of a split pool chosen by
   * {@code clientKey} (see {@link #bucket}); the key does not matter for a pool that is not split.
   */
  public Backend select(Backend[] tried, int triedCount, String clientKey) {
    if (canary.length == 0) {
      return selector.select(backends, tried, triedCount);
    }
    return select(tried, triedCount, bucket(clientKey));
  }

  private Backend select(Backend[] tried, int triedCount, int bucket) {
    boolean toCanary = bucket < percent;
    Backend b = selector.select(toCanary ? canary : backends, tried, triedCount);
    return b != null ? b : selector.select(toCanary ? backends : canary, tried, triedCount);
  }

  /**
   * The bucket, 0 to 99, of a client by its key: a hash mixed so that keys alike (10.0.0.1,
   * 10.0.0.2) fall far apart.
   */
  public static int bucket(String clientKey) {
    int h = clientKey.hashCode();
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return Math.floorMod(h, 100);
  }

  /** Whether requests are split between the backends and a canary set. */
  public boolean isSplit() {
    return canary.length > 0;
  }

  /** The canary's share of clients, 0 to 100 (0 when the pool is not split). */
  public int canaryPercent() {
    return percent;
  }

  /** The canary set, empty when the pool is not split. */
  public List<Backend> canary() {
    return List.of(canary);
  }

  /**
   * This pool split: {@code next} takes {@code percent} of the clients (1 to 100), the backends
   * the rest. Applying it again with a higher percent keeps each client that was on the canary there.
   */
  public Pool withCanary(List<Backend> next, int percent) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 1 to 100)");
    }
    if (next.isEmpty()) {
      throw new IllegalArgumentException("canary: empty (expected: at least one backend)");
    }
    return new Pool(backends, selector, next.toArray(NONE), percent);
  }

  /** This pool without its canary: every client on the backends again. */
  public Pool withoutCanary() {
    return new Pool(backends, selector);
  }

  /** The backends, and the canary's if the pool is split. */
  public List<Backend> backends() {
    if (canary.length == 0) {
      return List.of(backends);
    }
    List<Backend> all = new ArrayList<>(Arrays.asList(backends));
    all.addAll(Arrays.asList(canary));
    return List.copyOf(all);
  }

  public Selector selector() {
    return selector;
  }

  public int size() {
    return backends.length + canary.length;
  }

  public boolean contains(Backend backend) {
    return Selector.contains(backends, backends.length, backend) || Selector.contains(canary, canary.length, backend);
  }

  public boolean hasUsable() {
    for (Backend b : backends()) {
      if (b.isUsable()) {
        return true;
      }
    }
    return false;
  }

  public Optional<Backend> find(String name) {
    return backends().stream().filter(b -> b.name().equals(name)).findFirst();
  }

  /** This pool plus {@code backend} (the same pool if it is there already). */
  public Pool with(Backend backend) {
    if (contains(backend)) {
      return this;
    }
    List<Backend> next = new ArrayList<>(Arrays.asList(backends));
    next.add(backend);
    return new Pool(next.toArray(NONE), selector, canary, percent);
  }

  /** This pool less {@code backend} (from the canary too; a canary left empty ends the split). */
  public Pool without(Backend backend) {
    Backend[] rest = Arrays.stream(backends).filter(b -> b != backend).toArray(Backend[]::new);
    Backend[] canaryRest = Arrays.stream(canary).filter(b -> b != backend).toArray(Backend[]::new);
    return canaryRest.length == 0 ? new Pool(rest, selector) : new Pool(rest, selector, canaryRest, percent);
  }

  /** A pool with the same selector and other backends, not split: the blue-green switch. */
  public Pool withBackends(List<Backend> next) {
    return new Pool(next.toArray(new Backend[0]), selector);
  }

  @Override
  public String toString() {
    return "Pool" + Arrays.toString(backends) + (canary.length == 0 ? "" : " + canary " + percent + "% " + Arrays.toString(canary));
  }
}
