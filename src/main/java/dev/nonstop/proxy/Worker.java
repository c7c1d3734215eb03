package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.LongSupplier;

/**
 * What one event loop owns: its pool of idle backend connections and the list of its client
 * connections (for deadlines, drain cancellation and hand-off). Every method runs on {@link #loop}.
 */
final class Worker {
  final EventLoop loop;
  final ConnectionPool pool;
  private final Bootstrap bootstrap;
  private final ByteBuffer probe = ByteBuffer.allocateDirect(1);
  /** Head of the intrusive list of this loop's client connections. */
  private ClientConnection connections;
  /** This loop's HTTP/2 connections: each keeps its streams. */
  private final Set<H2Connection> h2 = new HashSet<>();
  /** The hand-off under way, or null: connections opened from now on end like the others. */
  HandOff handOff;

  private final LongSupplier clock;

  Worker(EventLoop loop, Transport transport, ProxyOptions options, LongSupplier clock) {
    this.loop = loop;
    this.clock = clock;
    long keepAlive = options.backendKeepAlive().toNanos();
    this.pool = new ConnectionPool(keepAlive);
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        .option(ChannelOption.ALLOCATOR, Proxy.ALLOCATOR)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
    // Sweep four times per keep-alive and close a little early, so no idle connection outlives it.
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(5), keepAlive / 4);
    loop.scheduleAtFixedRate(Fatal.guard(() -> pool.expire(clock.getAsLong(), period)), period,
        period, TimeUnit.NANOSECONDS);
    // One tick checks every client connection's deadline: no timer is scheduled or cancelled per
    // request, at the price of timeouts firing up to a tick late.
    long tick = tick(options);
    loop.scheduleAtFixedRate(Fatal.guard(this::tick), tick, tick, TimeUnit.NANOSECONDS);
  }

  static long tick(ProxyOptions o) {
    long min = Math.min(Math.min(o.responseTimeout().toNanos(), o.idleTimeout().toNanos()),
        o.requestHeaderTimeout().toNanos());
    min = Math.min(min, Math.min(o.limits().sendTimeout().toNanos(),
        o.limits().bodyRateWindow().toNanos()));
    return Math.max(TimeUnit.MILLISECONDS.toNanos(10),
        Math.min(TimeUnit.MILLISECONDS.toNanos(250), min / 8));
  }

  /**
   * Checks every client connection's deadlines against the clock, and a hand-off's: past it, the
   * connections still open are cut. On {@link #loop}.
   */
  void tick() {
    long now = clock.getAsLong();
    ClientConnection f = connections;
    while (f != null) {
      ClientConnection next = f.next;
      f.checkDeadline(now);
      f = next;
    }
    for (H2Connection c : List.copyOf(h2)) {
      c.forEachExchange(e -> {
        e.checkDeadline(now);
        return false;
      });
    }
    HandOff h = handOff;
    if (h != null && h.due(now)) {
      cutAll(h);
    }
  }

  /** The listener is handed off: each connection here ends when it has nothing in flight. */
  void handOff(HandOff h) {
    handOff = h;
    for (ClientConnection f = connections; f != null; f = f.next) {
      f.handOff();
    }
    for (H2Connection c : List.copyOf(h2)) {
      c.goAway();
    }
  }

  /**
   * The hand-off's deadline passed: every connection left is closed, whatever it was doing, and
   * counted. Unlinked first, so that one whose close completes later (io_uring) is counted once.
   */
  private void cutAll(HandOff h) {
    ClientConnection f = connections;
    while (f != null) {
      ClientConnection next = f.next;
      unlink(f);
      h.cutting();
      f.ctx.close();
      f = next;
    }
    for (H2Connection c : List.copyOf(h2)) {
      unlink(c);
      h.cutting();
      c.cut();
    }
  }

  /**
   * Whether an idle pooled connection still looks open, asked of the socket itself: a FIN the
   * backend sent may sit in the socket before the event loop has read it. One non-blocking recv;
   * spent only on requests that could not be retried if the connection turned out dead.
   */
  boolean stillOpen(Channel ch) {
    if (!ch.isActive()) {
      return false;
    }
    if (!(ch instanceof UnixChannel) || !(((UnixChannel) ch).fd() instanceof Socket)) {
      return true; // NIO: no cheap way to ask; the FIN watch has to do
    }
    try {
      probe.clear();
      int n = ((Socket) ((UnixChannel) ch).fd()).recv(probe, 0, 1);
      return n == 0; // 0: nothing to read (EAGAIN); -1: end of stream; > 0: stray bytes
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Closes {@code ch} after the current event-loop task. Closing frees its file descriptor at
   * once while its epoll registration goes a moment later; a connection opened in between
   * (a retry) could get the same descriptor and be refused registration. Seen with Netty 4.2.9.
   */
  static void closeSoon(Channel ch) {
    ch.eventLoop().execute(ch::close);
  }

  /** Opens a new connection to {@code backend}; the future's channel holds a BackendConnection. */
  ChannelFuture connect(Backend backend) {
    BackendConnection conn = new BackendConnection(this, backend);
    return bootstrap.clone()
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // No codec: requests go out as bytes the exchange framed, responses are read by the
            // connection's ResponseReader.
            ch.pipeline().addLast(conn);
          }
        })
        .connect(backend.address());
  }

  void link(ClientConnection f) {
    f.next = connections;
    f.prev = null;
    if (connections != null) {
      connections.prev = f;
    }
    connections = f;
  }

  void unlink(ClientConnection f) {
    if (f.prev != null) {
      f.prev.next = f.next;
    } else if (connections == f) {
      connections = f.next;
    }
    if (f.next != null) {
      f.next.prev = f.prev;
    }
    f.prev = null;
    f.next = null;
  }

  void link(H2Connection c) {
    h2.add(c);
  }

  void unlink(H2Connection c) {
    h2.remove(c);
  }

  /** Closes the streams (tunnels, event streams) of {@code backend}, both sides; returns how many. */
  int cutStreams(Backend backend) {
    return forEachExchange(e -> e.cutStreamOf(backend));
  }

  /** Cancels the exchanges bound to {@code backend}; returns how many. */
  int cancel(Backend backend) {
    return forEachExchange(e -> e.cancelIfBoundTo(backend));
  }

  /**
   * Runs {@code action} on the exchange of every client connection and HTTP/2 stream (it may end
   * them); returns how many said true.
   */
  private int forEachExchange(Predicate<Exchange> action) {
    int n = 0;
    ClientConnection f = connections;
    while (f != null) {
      ClientConnection next = f.next;
      if (action.test(f.exchange)) {
        n++;
      }
      f = next;
    }
    for (H2Connection c : List.copyOf(h2)) {
      n += c.forEachExchange(action);
    }
    return n;
  }
}
