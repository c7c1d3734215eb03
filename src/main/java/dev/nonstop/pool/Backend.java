package dev.nonstop.pool;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream server: an address, an admin state, a health, and the count of requests bound to
 * it right now.
 *
 * <p>Thread-safe. The proxy's event loops call {@link #acquire()}, {@link #release(int)} and the
 * passive-health methods on every request, so those are a few atomic operations and nothing more;
 * state changes are rare and notify listeners on the changing thread.
 */
public final class Backend {
  private static final Logger log = LoggerFactory.getLogger(Backend.class);

  /** Told of every admin-state or health change. */
  public interface Listener {
    void changed(Backend backend);
  }

  private final String name;
  private final InetSocketAddress address;
  private final String label;
  private volatile AdminState admin = AdminState.READY;
  private volatile Health health;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Open streams: WebSocket (and other upgraded) tunnels and event streams; not in flight. */
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final LongAdder[] responsesByClass = new LongAdder[6];
  private final LongAdder failures = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  /** Non-null once someone waits for the in-flight count to reach zero; completed by release. */
  private volatile CompletableFuture<Void> idle;

  /**
   * @param address where the server listens
   * @param label an opaque tag for reports and metrics (a deployment puts the release there)
   * @param health the health it starts with: UP for a static pool, DOWN for a server that must
   *     pass its checks before it gets traffic
   */
  public Backend(InetSocketAddress address, String label, Health health) {
    this.address = requireNonNull(address, "address");
    this.label = requireNonNull(label, "label");
    this.health = requireNonNull(health, "health");
    this.name = text(address);
    for (int i = 0; i < responsesByClass.length; i++) {
      responsesByClass[i] = new LongAdder();
    }
  }

  /** {@code HOST:PORT}, as {@link #parseAddress} reads it back. */
  public static String text(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  /** Parses {@code HOST:PORT}; the error says what was expected. */
  public static InetSocketAddress parseAddress(String hostPort) {
    requireNonNull(hostPort, "hostPort");
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("address: '" + hostPort + "' (expected: HOST:PORT, e.g. 127.0.0.1:8080)");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("address: '" + hostPort + "' (expected: a port number after ':')");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("address: '" + hostPort + "' (expected: a port from 0 to 65535)");
    }
    return new InetSocketAddress(host, port);
  }

  public String name() {
    return name;
  }

  public InetSocketAddress address() {
    return address;
  }

  public String label() {
    return label;
  }

  public AdminState adminState() {
    return admin;
  }

  public Health health() {
    return health;
  }

  /** READY and UP: the only backends a selector may pick. */
  public boolean isUsable() {
    return admin == AdminState.READY && health == Health.UP;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** A request was bound to this backend. */
  public void acquire() {
    inFlight.incrementAndGet();
  }

  /**
   * A request bound to this backend ended, with the HTTP status sent to the client (0 when none
   * came from the backend).
   */
  public void release(int status) {
    if (status >= 100 && status < 600) {
      responsesByClass[status / 100].increment();
    }
    if (inFlight.decrementAndGet() == 0) {
      CompletableFuture<Void> waiting = idle;
      if (waiting != null) {
        waiting.complete(null);
      }
    }
  }

  /** Open streams (tunnels, event streams): long-lived, so not counted {@link #inFlight}. */
  public int streams() {
    return streams.get();
  }

  /**
   * A request bound to this backend became a stream (a 101 tunnel, an event stream): it leaves the
   * in-flight count, which a drain waits for, and counts as a stream until {@link #streamClosed}.
   */
  public void streamOpened(int status) {
    streams.incrementAndGet();
    release(status);
  }

  /** A stream of this backend ended. */
  public void streamClosed() {
    streams.decrementAndGet();
  }

  /** Completes when no request is bound to this backend (at once if none is now). */
  public synchronized CompletableFuture<Void> whenIdle() {
    CompletableFuture<Void> waiting = idle;
    if (waiting == null || waiting.isDone()) {
      waiting = new CompletableFuture<>();
      idle = waiting;
    }
    if (inFlight.get() == 0) {
      waiting.complete(null);
    }
    return waiting;
  }

  /** Live traffic got a good answer: the passive failure streak ends. */
  public void recordSuccess() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  /**
   * Live traffic failed on this backend (connection error or 5xx). Marks it DOWN when the streak
   * reaches {@code ejectAfter}; returns the streak.
   */
  public int recordFailure(int ejectAfter) {
    failures.increment();
    int streak = consecutiveFailures.incrementAndGet();
    if (ejectAfter > 0 && streak >= ejectAfter && health == Health.UP) {
      ejections.increment();
      setHealth(Health.DOWN, streak + " failures in a row from live traffic");
    }
    return streak;
  }

  /** How often live traffic marked it DOWN (its health checks bring it back, damped). */
  public long ejections() {
    return ejections.sum();
  }

  /** Responses sent to clients for this backend, by status class (1 to 5). */
  public long responses(int statusClass) {
    return responsesByClass[statusClass].sum();
  }

  /** Connection failures and 5xx answers seen from live traffic. */
  public long failures() {
    return failures.sum();
  }

  public void setAdminState(AdminState next) {
    requireNonNull(next, "next");
    AdminState prev;
    synchronized (this) {
      prev = admin;
      if (prev == next) {
        return;
      }
      admin = next;
    }
    log.info("backend {} ({}) admin {} -> {}", name, label, prev, next);
    notifyListeners();
  }

  public void setHealth(Health next, String reason) {
    requireNonNull(next, "next");
    Health prev;
    synchronized (this) {
      prev = health;
      if (prev == next) {
        return;
      }
      health = next;
      if (next == Health.UP) {
        consecutiveFailures.set(0);
      }
    }
    log.info("backend {} ({}) health {} -> {}: {}", name, label, prev, next, reason);
    notifyListeners();
  }

  /** Completes when the backend is UP (at once if it is now). */
  public CompletableFuture<Void> whenUp() {
    CompletableFuture<Void> up = new CompletableFuture<>();
    Listener listener = b -> {
      if (b.health() == Health.UP) {
        up.complete(null);
      }
    };
    addListener(listener);
    listener.changed(this);
    up.whenComplete((v, e) -> removeListener(listener));
    return up;
  }

  public void addListener(Listener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  private void notifyListeners() {
    for (Listener l : listeners) {
      try {
        l.changed(this);
      } catch (RuntimeException e) {
        log.warn("backend listener failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return name + "(" + label + ", " + admin + ", " + health + ", in-flight " + inFlight.get() + ")";
  }
}
