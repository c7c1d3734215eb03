package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * One app behind the proxy: its pool, its maintenance page and the listener told of its requests.
 * The proxy's {@link Routes} pick a site per request by host name and path. Thread-safe: the pool
 * is swapped atomically, the page and the listener are volatile.
 */
public final class Site {
  private final String name;
  private final Proxy proxy;
  private final AtomicReference<Pool> pool;
  /** The rendered maintenance page, or null when maintenance is off. */
  volatile byte[] maintenancePage;
  volatile RequestListener listener = RequestListener.NONE;

  Site(String name, Proxy proxy, Pool pool) {
    this.name = requireNonNull(name, "name");
    this.proxy = proxy;
    this.pool = new AtomicReference<>(requireNonNull(pool, "pool"));
  }

  public String name() {
    return name;
  }

  public Proxy proxy() {
    return proxy;
  }

  public Pool pool() {
    return pool.get();
  }

  /** Replaces the whole pool in one atomic step: the blue-green switch. */
  public void swap(Pool next) {
    pool.set(requireNonNull(next, "next"));
  }

  /** Applies {@code change} to the current pool atomically (retrying on a concurrent change). */
  public Pool update(UnaryOperator<Pool> change) {
    requireNonNull(change, "change");
    while (true) {
      Pool current = pool.get();
      Pool next = requireNonNull(change.apply(current), "change returned null");
      if (pool.compareAndSet(current, next)) {
        return next;
      }
    }
  }

  /** Turns the maintenance page on with {@code message}, or off with null. */
  public void maintenance(String message) {
    maintenancePage = message == null ? null : Replies.maintenancePage(message);
  }

  /** Who is told of this site's requests: one listener, replaced whole. */
  public void listener(RequestListener listener) {
    this.listener = requireNonNull(listener, "listener");
  }

  /** See {@link Proxy#drain}: backends are the proxy's, whichever site selects them. */
  public CompletableFuture<Integer> drain(Backend backend, Duration timeout) {
    return proxy.drain(backend, timeout);
  }

  /** See {@link Proxy#cutStreams}. */
  public CompletableFuture<Integer> cutStreams(Backend backend) {
    return proxy.cutStreams(backend);
  }

  @Override
  public String toString() {
    return "Site[" + name + "]";
  }
}
