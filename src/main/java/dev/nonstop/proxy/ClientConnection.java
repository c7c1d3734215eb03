package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: it reads requests, refuses the unusable ones, holds a pipelined request
 * back until the one ahead is answered, keeps the connection's own deadlines (idle, request head,
 * lingering close) and ends the connection. The request in flight and its response belong to the
 * connection's {@link Exchange}; this class knows nothing of backends.
 *
 * <p>Event-loop confined, like its exchange and the backend connections that one drives: they were
 * opened on this connection's event loop, so they call each other directly and nothing needs a
 * lock. Auto-read is off: the connection reads its next bytes only when the exchange can take them.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements Downstream {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  /** Lingering ends after this long without a byte from the client (nginx: 5 s)... */
  static final long LINGER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** ...or this long in all (nginx: 30 s)... */
  private static final long LINGER_TOTAL_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** ...or after this many bytes dropped. */
  private static final long LINGER_MAX_BYTES = 1024 * 1024;

  /** What the connection's own deadline stands for; the worker's tick checks it. */
  private enum Deadline {
    /** None runs (an exchange is in flight, with deadlines of its own). */
    NONE,
    /** No request in flight: the idle timeout. */
    IDLE,
    /** A request head has begun: it must be whole within the header timeout. */
    HEAD,
    /** The last answer is on its way out before the close: a client taking none of it is cut. */
    CLOSING,
    /** After an error answer: reading and dropping what the client still sends, then closing. */
    LINGER
  }

  final Proxy proxy;
  final Worker worker;
  /** The idle timeout; a hand-off shortens it to its grace. */
  private long idleNanos;
  private final long headNanos;
  private final long maxBody;
  final Exchange exchange;
  ChannelHandlerContext ctx;
  String clientIp;
  /** The client came over TLS: the backend hears X-Forwarded-Proto: https. */
  final boolean secure;
  /** Links in the worker's list of connections. */
  ClientConnection prev;
  ClientConnection next;

  private Deadline phase = Deadline.NONE;
  private long deadline;
  /** When the head of the coming request began, for its latency; 0 when none has. */
  private long firstByte;
  private long lingerEnd;
  private long lingerBytes;
  /** No request is taken any more: the connection is closing, or lingering before its close. */
  boolean closing;
  /**
   * The proxy hands its listener off: every response from now on is the last on this connection
   * (it says Connection: close), and an idle spell ends it after the hand-off's grace.
   */
  boolean handingOff;
  /** Pipelined messages of the next requests, handled once the current one ends. */
  private ArrayDeque<Object> queued;

  ClientConnection(Proxy proxy, Worker worker) {
    this.proxy = proxy;
    this.worker = worker;
    ProxyOptions o = proxy.options();
    this.idleNanos = o.idleTimeout().toNanos();
    this.headNanos = o.requestHeaderTimeout().toNanos();
    this.maxBody = o.limits().maxBody();
    this.secure = o.front().secure();
    this.exchange = new Exchange(this, proxy, worker);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    begin();
  }

  /** The address of the client at the other end of {@code ch}. */
  static String clientIp(Channel ch) {
    InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
    return remote == null ? "unknown" : remote.getAddress().getHostAddress();
  }

  /**
   * The connection is open and this handler serves it: at its activation, or once TLS and ALPN
   * (or h2c's preface check) put it in place on a connection active already.
   */
  void begin() {
    clientIp = clientIp(ctx.channel());
    worker.link(this);
    arm(Deadline.IDLE, idleNanos);
    if (worker.handOff != null) {
      handOff(); // accepted while the listener was being closed: it ends like the others
    }
    ctx.read();
  }

  /**
   * Called by the decoder on every read of {@code n} bytes: the first byte after an idle spell
   * starts the head timer; while lingering, bytes are counted against its bound.
   */
  void bytesArrived(int n) {
    if (phase == Deadline.IDLE) {
      firstByte = proxy.clock.getAsLong();
      arm(Deadline.HEAD, headNanos);
    } else if (phase == Deadline.LINGER) {
      lingerBytes += n;
      if (lingerBytes > LINGER_MAX_BYTES) {
        phase = Deadline.NONE;
        ctx.close();
      } else {
        deadline = Math.min(proxy.clock.getAsLong() + LINGER_IDLE_NANOS, lingerEnd);
      }
    }
  }

  /** Whether the decoder must leave what came unparsed: an upgrade's answer is awaited. */
  boolean holdsBytes() {
    return exchange.upgradeAwaited();
  }

  /**
   * The exchange became a tunnel: the client's bytes are no longer HTTP. The decoder goes, and
   * hands on as raw bytes whatever it held; the connection's own deadlines stop (the tunnel has
   * its idle timeout).
   */
  @Override
  public void tunnelOpened() {
    phase = Deadline.NONE;
    ChannelHandler decoder = ctx.pipeline().get(RequestDecoder.class);
    if (decoder != null) {
      ctx.pipeline().remove(decoder);
    }
  }

  /** Whether what the client sends now is dropped unread: the decoder then skips it. */
  boolean lingering() {
    return phase == Deadline.LINGER;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof ByteBuf) { // raw bytes come only once the decoder is gone: a tunnel
      if (exchange.tunnel()) {
        exchange.tunnelIn((ByteBuf) msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    } else if (exchange.active()) {
      if (exchange.wantsBody() && msg instanceof HttpContent
          && (queued == null || queued.isEmpty())) {
        exchange.content((HttpContent) msg);
      } else {
        enqueue(msg); // pipelined: the next request waits for this one's response
      }
    } else if (msg instanceof HttpRequest) {
      startRequest((HttpRequest) msg);
    } else {
      ReferenceCountUtil.release(msg); // the rest of a request already answered
    }
  }

  private void enqueue(Object msg) {
    if (queued == null) {
      queued = new ArrayDeque<>(4);
    }
    queued.add(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    exchange.flushBackend();
    if (closing) {
      if (phase == Deadline.LINGER) {
        ctx.read();
      }
      return;
    }
    if (!exchange.active()) {
      ctx.read();
    } else if (exchange.wantsBody()) {
      exchange.readMoreBody();
    } else if (queued == null || queued.isEmpty()) {
      // The request is whole, yet a read stays pending: a client that goes away is noticed at
      // once, and epoll is spared re-arming the socket on every request. A pipelining client is
      // read at most one read ahead: once a next request waits here, reading stops until this
      // one's response is out, so a connection holds at most one read's bytes (backpressure).
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      exchange.clientWritable();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Fatal.exitOnOutOfMemory(cause);
    log.debug("client connection {} failed", ctx.channel(), cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    phase = Deadline.NONE;
    worker.unlink(this);
    exchange.clientGone();
    releaseAll(queued);
    queued = null;
  }

  /** A request head: refused here if it is unusable, else the exchange takes it. */
  private void startRequest(HttpRequest req) {
    long began = phase == Deadline.HEAD ? firstByte : proxy.clock.getAsLong();
    phase = Deadline.NONE;
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      reject(statusFor(result.cause()));
      return;
    }
    long length = HttpUtil.getContentLength(req, 0L); // the decoder checked it
    int problem = RequestRules.refusal(req, length, maxBody);
    if (problem != RequestRules.OK) {
      reject(problem);
      return;
    }
    exchange.start(req, began, length);
  }

  // ---- the exchange's side ----

  @Override
  public String clientIp() {
    return clientIp;
  }

  @Override
  public boolean secure() {
    return secure;
  }

  @Override
  public boolean handingOff() {
    return handingOff;
  }

  @Override
  public boolean closing() {
    return closing;
  }

  @Override
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public void write(ByteBuf bytes) {
    ctx.write(bytes, ctx.voidPromise());
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void readMore() {
    ctx.read();
  }

  @Override
  public void cut() {
    closing = true;
    ctx.flush();
    ctx.close(); // channelInactive tells the exchange
  }

  @Override
  public void reset() {
    // A reset, not a close: the kernel would otherwise keep the unsent bytes and go on offering
    // them to a client that does not read (nginx's reset_timedout_connection).
    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
    cut();
  }

  // ---- deadlines, drain ----

  private void arm(Deadline p, long nanos) {
    phase = p;
    deadline = proxy.clock.getAsLong() + nanos;
  }

  /** Called by the worker's tick: the connection's deadline, then its exchange's. */
  void checkDeadline(long now) {
    Deadline p = phase;
    if (p != Deadline.NONE && now - deadline >= 0) {
      phase = Deadline.NONE;
      switch (p) {
        case HEAD:
          reject(408);
          break;
        case IDLE:
        case CLOSING:
        case LINGER:
          ctx.close();
          break;
        default:
          break;
      }
    }
    exchange.checkDeadline(now);
  }

  /**
   * The proxy hands its listener off: the exchange in flight is the last (its response says
   * Connection: close, unless its head was made already: the connection then waits for a next
   * request as an idle one does), and an idle spell ends the connection after {@link
   * HandOff#GRACE}. A connection idle now gets the grace from now, unless its idle timeout comes
   * sooner.
   */
  void handOff() {
    handingOff = true;
    idleNanos = Math.min(idleNanos, HandOff.graceNanos());
    if (phase == Deadline.IDLE) {
      long graceEnd = proxy.clock.getAsLong() + idleNanos;
      if (deadline - graceEnd > 0) {
        deadline = graceEnd;
      }
    }
    exchange.lastOnConnection();
  }

  // ---- ending ----

  /** Answers an unusable request (400, 408, 413, 414, 431, 501, 505) and closes. */
  private void reject(int s) {
    closing = true;
    long began = firstByte != 0 ? firstByte : proxy.clock.getAsLong();
    ctx.write(Replies.plain(s, true, false), ctx.voidPromise());
    if (s == 408) {
      flushLast(true); // too slow to send a head: no more time for it
    } else {
      lingerClose(); // the rest of that request, or more of it, may still be on its way
    }
    proxy.fallbackListener().completed(null, s, proxy.clock.getAsLong() - began, true);
  }

  /**
   * Closes after an answer the client may not be reading yet because it is still sending: a close
   * with unread bytes would reset the connection and destroy the answer in the client's buffer.
   * So the write side is shut once the answer is out, and what still comes is read and dropped
   * until the client closes, or a bound of time or bytes passes (nginx's lingering close).
   */
  private void lingerClose() {
    closing = true;
    arm(Deadline.CLOSING, idleNanos);
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> {
      Channel ch = f.channel();
      if (!f.isSuccess() || !(ch instanceof DuplexChannel) || !ch.isActive()) {
        ch.close();
        return;
      }
      ((DuplexChannel) ch).shutdownOutput().addListener((ChannelFuture s) -> {
        if (!s.isSuccess()) {
          ch.close();
          return;
        }
        long now = proxy.clock.getAsLong();
        lingerEnd = now + LINGER_TOTAL_NANOS;
        lingerBytes = 0;
        phase = Deadline.LINGER;
        deadline = now + LINGER_IDLE_NANOS;
        ctx.read();
      });
    });
  }

  /** Flushes what was written; closes the connection once it is out if {@code close}. */
  private void flushLast(boolean close) {
    if (close) {
      arm(Deadline.CLOSING, idleNanos);
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.flush();
    }
  }

  /**
   * The exchange is over and its response written: the connection ends with it when {@code close}
   * (lingering if the client is {@code stillSending}), else it takes the next request.
   */
  @Override
  public void exchangeEnded(boolean close, boolean stillSending) {
    if (close && stillSending) {
      lingerClose();
    } else {
      flushLast(close);
    }
    firstByte = 0;
    if (close) {
      closing = true;
    } else {
      nextRequest();
    }
  }

  /** Handles pipelined requests already read, then waits for the next one. */
  private void nextRequest() {
    arm(Deadline.IDLE, idleNanos);
    while (!exchange.active() && !closing && queued != null && !queued.isEmpty()) {
      Object msg = queued.poll();
      if (msg instanceof HttpRequest) {
        startRequest((HttpRequest) msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
      while (exchange.wantsBody() && !queued.isEmpty() && queued.peek() instanceof HttpContent) {
        exchange.content((HttpContent) queued.poll());
      }
    }
    if (!exchange.active() && !closing) {
      ctx.read();
    }
  }

  private static void releaseAll(ArrayDeque<Object> q) {
    if (q != null) {
      Object m;
      while ((m = q.poll()) != null) {
        ReferenceCountUtil.release(m);
      }
    }
  }

  private static int statusFor(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return 414;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return 431;
    }
    return 400;
  }
}
