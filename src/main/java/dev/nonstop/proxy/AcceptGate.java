package dev.nonstop.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses the listener's accepts (auto-read off): at {@link #limit} open client connections until
 * one closes, and for {@link #RETRY_AFTER} after an accept failed (out of file descriptors,
 * mostly). While paused, new connections wait in the kernel's listen backlog: none is accepted
 * only to be closed. Both conditions are logged at most once per {@link #REPORT_EVERY}, with a
 * count, never once per event.
 *
 * <p>It sits in the server channel's pipeline ahead of Netty's acceptor and runs on the server
 * channel's event loop, which owns every field but {@link #open}: client connections close on
 * their own event loops, decrement it there, and hand the rest to the server loop.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);
  static final Duration RETRY_AFTER = Duration.ofMillis(100);
  static final Duration REPORT_EVERY = Duration.ofSeconds(10);

  private enum State {
    ACCEPTING,
    /** At the limit: a close reopens. */
    FULL,
    /** An accept failed: the retry timer reopens, whatever closes meanwhile. */
    BACKING_OFF
  }

  private final int limit;
  private final FdLimit fds;
  private final LongSupplier nanoTime;
  private final AtomicInteger open = new AtomicInteger();
  private final Tally refusals = new Tally(REPORT_EVERY);
  private final Tally fullStops = new Tally(REPORT_EVERY);
  // Made up front: out of descriptors, a class that is not loaded yet may fail to load.
  private final Runnable retry = this::settle;
  private final Runnable reopen = this::reopen;
  private final ChannelFutureListener closed = f -> closed();
  /** Run once no connection is open, when asked for: the end of a hand-off. */
  private volatile Runnable whenNoneOpen;
  private State state = State.ACCEPTING;
  /** Set once, before the first accept; the connections' loops read it after that. */
  private Channel server;
  /** Accepts per read loop when there is room: the transport's own batch. */
  private int batch;

  /**
   * @param maxConnections {@link Limits#maxConnections()}; 0 derives the limit from {@code fds}
   * @param nanoTime the clock the reports are spaced by
   */
  AcceptGate(int maxConnections, FdLimit fds, LongSupplier nanoTime) {
    this.limit = maxConnections > 0 ? maxConnections : fds.clientConnections();
    this.fds = fds;
    this.nanoTime = nanoTime;
    if (limit == Integer.MAX_VALUE) {
      log.info("client connections not limited (fd limit {})", fds);
    } else if (maxConnections > fds.clientConnections()) {
      log.info("at most {} client connections (fd limit {}: descriptors run out first, "
          + "at about {})", limit, fds, fds.clientConnections());
    } else {
      log.info("at most {} client connections (fd limit {})", limit, fds);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    server = ctx.channel();
    batch = server.config().<MaxMessagesRecvByteBufAllocator>getRecvByteBufAllocator()
        .maxMessagesPerRead();
    settle();
  }

  /** {@code msg} is an accepted client connection, on its way to Netty's acceptor. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    open.incrementAndGet();
    // A connection the acceptor fails to register is closed without completing this future: it
    // stays counted. That needs its event loop to be shutting down, and the proxy with it.
    ((Channel) msg).closeFuture().addListener(closed);
    if (state != State.BACKING_OFF) {
      settle();
    }
    ctx.fireChannelRead(msg);
  }

  /** On the closed connection's event loop. */
  private void closed() {
    int was = open.getAndDecrement();
    if (was == limit) {
      server.eventLoop().execute(reopen);
    }
    Runnable none = whenNoneOpen;
    if (was == 1 && none != null) {
      none.run();
    }
  }

  /** Client connections open: accepted and not yet closed. Any thread. */
  int open() {
    return open.get();
  }

  /**
   * Runs {@code r} once no client connection is open: now if none is, else on the event loop of
   * the last one to close. Meant for a listener that accepts no more (it may run again if one is
   * accepted and closes after that); {@code r} must bear being run more than once.
   */
  void whenNoneOpen(Runnable r) {
    whenNoneOpen = r;
    if (open.get() == 0) {
      r.run();
    }
  }

  /** A connection closed after the gate shut at the limit; backing off, the retry reopens. */
  private void reopen() {
    if (state == State.FULL) {
      settle();
    }
  }

  /**
   * An accept failed. Not passed on: Netty's acceptor would pause for a second and the pipeline's
   * tail would log each failure with its stack trace, a flood when they come by the thousand.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    long refused = refusals.add(nanoTime.getAsLong());
    if (refused > 0) {
      report(refused, cause);
    }
    if (state != State.BACKING_OFF) {
      enter(State.BACKING_OFF);
      ctx.executor().schedule(retry, RETRY_AFTER.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void report(long refused, Throwable cause) {
    String line = "accepts failing ({}): {} failures since the last such line, accepts pause {} "
        + "ms after each; this line repeats at most every {} s ({} client connections open, "
        + "fd limit {})";
    if (cause instanceof IOException) { // EMFILE, ENFILE, ENOBUFS: the message says it all
      log.warn(line, cause.getMessage(), refused, RETRY_AFTER.toMillis(),
          REPORT_EVERY.toSeconds(), open.get(), fds);
    } else {
      log.warn(line, cause, refused, RETRY_AFTER.toMillis(), REPORT_EVERY.toSeconds(), open.get(),
          fds, cause);
    }
  }

  /** Opens or closes the gate for the connections open now. Server loop only. */
  private void settle() {
    int room = limit - open.get();
    if (room > 0) {
      // NIO hands accepted connections to the pipeline only after its whole read loop: turning
      // auto-read off in channelRead comes too late to stop that loop. A batch no larger than
      // the room left keeps it under the limit on every transport.
      server.config().<MaxMessagesRecvByteBufAllocator>getRecvByteBufAllocator()
          .maxMessagesPerRead(Math.min(batch, room));
    }
    enter(room > 0 ? State.ACCEPTING : State.FULL);
  }

  private void enter(State next) {
    State was = state;
    if (next == was) {
      return;
    }
    state = next;
    server.config().setAutoRead(next == State.ACCEPTING);
    if (next == State.FULL) {
      long stops = fullStops.add(nanoTime.getAsLong());
      if (stops > 0) {
        log.info("at the limit of {} client connections: accepts paused until one closes "
            + "({} pauses since the last such line; this line repeats at most every {} s)",
            limit, stops, REPORT_EVERY.toSeconds());
      }
    } else {
      log.debug("accepts {} -> {} ({} client connections open)", was, next, open.get());
    }
  }

  /**
   * Counts events and says when to log them: the first at once, the others at most once per
   * interval, as one line with their count. One thread only.
   */
  static final class Tally {
    private final long intervalNanos;
    private long count;
    private long lastReportAt;
    private boolean reported;

    Tally(Duration interval) {
      this.intervalNanos = interval.toNanos();
    }

    /** Counts one event at {@code now}; returns how many to report now, or 0 to stay quiet. */
    long add(long now) {
      count++;
      if (reported && now - lastReportAt < intervalNanos) {
        return 0;
      }
      long n = count;
      count = 0;
      lastReportAt = now;
      reported = true;
      return n;
    }
  }
}
