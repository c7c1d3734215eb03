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
 */
public final class Pool {
  private final Backend[] backends;
  private final Selector selector;

  private Pool(Backend[] backends, Selector selector) {
    this.backends = backends;
    this.selector = selector;
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
    return selector.select(backends, tried, triedCount);
  }

  public List<Backend> backends() {
    return List.of(backends);
  }

  public Selector selector() {
    return selector;
  }

  public int size() {
    return backends.length;
  }

  public boolean contains(Backend backend) {
    return Selector.contains(backends, backends.length, backend);
  }

  public boolean hasUsable() {
    for (Backend b : backends) {
      if (b.isUsable()) {
        return true;
      }
    }
    return false;
  }

  public Optional<Backend> find(String name) {
    return Arrays.stream(backends).filter(b -> b.name().equals(name)).findFirst();
  }

  /** This pool plus {@code backend} (the same pool if it is there already). */
  public Pool with(Backend backend) {
    if (contains(backend)) {
      return this;
    }
    List<Backend> next = new ArrayList<>(Arrays.asList(backends));
    next.add(backend);
    return new Pool(next.toArray(new Backend[0]), selector);
  }

  /** This pool less {@code backend}. */
  public Pool without(Backend backend) {
    return new Pool(
        Arrays.stream(backends).filter(b -> b != backend).toArray(Backend[]::new), selector);
  }

  /** A pool with the same selector and other backends: the blue-green switch. */
  public Pool withBackends(List<Backend> next) {
    return new Pool(next.toArray(new Backend[0]), selector);
  }

  @Override
  public String toString() {
    return "Pool" + Arrays.toString(backends);
  }
}
