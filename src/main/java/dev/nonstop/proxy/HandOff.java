package dev.nonstop.proxy;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One hand-off of the proxy's listening socket to another process: the proxy no longer accepts,
 * and its client connections end one by one, each when it has nothing in flight. Shared by the
 * event loops: each {@link Worker} learns of it on its own loop and ends its own connections; the
 * fields they share are final or atomic.
 *
 * <p>How a connection ends ({@link ClientConnection#handOff}): an exchange in flight finishes, and
 * its response says {@code Connection: close} if its head has not left yet; a request that comes
 * is answered likewise; an idle connection is closed after {@link #GRACE}. At the {@link
 * #deadline}, whatever is left is cut and counted.
 */
final class HandOff {
  /**
   * How long a connection with nothing in flight stays open once the hand-off began, or after its
   * last response: a client that got its answer just before and sends its next request now is
   * answered (with Connection: close) rather than reset. One second covers a round trip and a
   * client's own pause between requests; a client that waits longer meets what every idle close
   * gives it, and HTTP clients retry an idempotent request on a connection closed while idle.
   */
  static final Duration GRACE = Duration.ofSeconds(1);

  /** On the proxy's clock (nanoseconds): connections still open then are cut. */
  final long deadline;
  /** Completes with the number of connections cut, once none is open. */
  final CompletableFuture<Integer> done = new CompletableFuture<>();
  /** Completes once every event loop has put its connections on their way out; for tests. */
  final CompletableFuture<Void> started = new CompletableFuture<>();
  private final AtomicInteger cut = new AtomicInteger();

  HandOff(long now, Duration timeout) {
    this.deadline = now + timeout.toNanos();
  }

  /**
   * Closes this process's descriptor of the listening socket, then has each event loop put its
   * connections on their way out, and completes {@link #done} once none is open.
   *
   * <p>Once the listener is closed, nothing is accepted any more, and the count of connections can
   * only fall. An accept the kernel completed meanwhile is not lost: on epoll the close happens on
   * the listener's event loop, between accepts; on io_uring (Netty 4.2.9) the close cancels the
   * accept in flight and waits for its completion, and one that completed with a connection
   * rather than cancelled hands that connection to the acceptor before the close completes. That
   * connection becomes active on its loop before, or after, the loop takes the hand-off up: either
   * way it ends like the others ({@link ClientConnection#channelActive}).
   */
  void begin(Channel listener, Collection<Worker> workers, AcceptGate gate) {
    listener.close().addListener(f -> {
      AtomicInteger pending = new AtomicInteger(workers.size());
      for (Worker w : workers) {
        w.loop.execute(() -> {
          w.handOff(this);
          if (pending.decrementAndGet() == 0) {
            started.complete(null);
          }
        });
      }
      gate.whenNoneOpen(this::finished);
    });
  }

  static long graceNanos() {
    return GRACE.toNanos();
  }

  boolean due(long now) {
    return now - deadline >= 0;
  }

  /** A connection is cut at the deadline; counted before it closes, so the count is whole. */
  void cutting() {
    cut.incrementAndGet();
  }

  /** No client connection is open any more. */
  void finished() {
    done.complete(cut.get());
  }

  /** The proxy closes with {@code open} connections left: they are cut too. */
  void closed(int open) {
    done.complete(cut.get() + open);
  }
}
