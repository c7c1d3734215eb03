package dev.nonstop.proxy;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection and the one exchange (request and its response) in flight on it.
 *
 * <p>Event-loop confined, like the {@link BackendConnection} it drives: that one was opened on this
 * connection's event loop, so both sides call each other directly and nothing needs a lock. The
 * exchange lives in plain fields reset per request, so a request allocates no state object. This
 * hot-path class is longer than the house limit because the request's whole state machine
 * (dispatch, retry, streaming, timeouts, cancellation) reads best in one place.
 *
 * <p>Backpressure: auto-read is off on both sides. A body chunk is read from one side only when the
 * other side is writable; a paused side resumes on the other's writability event.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements ResponseReader.Sink {
  private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
  /** What the one deadline of a connection stands for; the worker's tick checks it. */
  private enum Deadline {
    /** None runs. */
    NONE,
    /** No request in flight: the idle timeout. */
    IDLE,
    /** A request head has begun: it must be whole within the header timeout. */
    HEAD,
    /** A request body is coming: each window must bring its minimum of bytes. */
    BODY,
    /** The request is whole: the backend must answer within the response timeout. */
    AWAIT,
    /** The client takes none of its response: the send timeout. */
    SEND,
    /** After an error answer: reading and dropping what the client still sends, then closing. */
    LINGER
  }

  /** Lingering ends after this long without a byte from the client (nginx: 5 s)... */
  static final long LINGER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** ...or this long in all (nginx: 30 s)... */
  private static final long LINGER_TOTAL_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** ...or after this many bytes dropped. */
  private static final long LINGER_MAX_BYTES = 1024 * 1024;

  private final Proxy proxy;
  private final Worker worker;
  private final long idleNanos;
  private final long headNanos;
  private final long responseNanos;
  private final int ejectAfter;
  private final long maxBody;
  private final long sendNanos;
  private final long bodyWindowNanos;
  private final long bodyWindowBytes;
  private final ChannelFutureListener headWrittenListener = this::headWritten;
  private ChannelHandlerContext ctx;
  private String clientIp;
  /** Links in the worker's list of connections. */
  FrontendHandler prev;
  FrontendHandler next;

  // Deadline checked by the worker's tick.
  private Deadline phase = Deadline.NONE;
  private long deadline;
  private long firstByte;
  /** Body bytes read when the current body-rate window began. */
  private long windowMark;
  /** Reading the body paused in this window (the backend was slow, not the client). */
  private boolean bodyStalled;
  private long lingerEnd;
  private long lingerBytes;

  // The exchange in flight.
  private boolean active;
  private boolean closing;
  private HttpRequest request;
  private boolean http10;
  private boolean isHead;
  private boolean hasBody;
  private boolean requestDone;
  private boolean keepAlive;
  private boolean retryable;
  private boolean informational;
  /** The request body is chunked: its parts go to the backend as chunks. */
  private boolean requestChunked;
  /** The response body runs until the backend closes: it goes to the client as chunks. */
  private boolean chunkOut;
  /** The response body has no length: its head is not held past the read it came in. */
  private boolean streaming;
  private boolean responseStarted;
  private boolean backendKeepAlive;
  private boolean clientPaused;
  private boolean backendPaused;
  private boolean flushBackend;
  private boolean flushClient;
  private int status;
  private long start;
  /** The current try; null between exchanges. */
  private Attempt attempt;
  private final Backend[] tried;
  private int tries;
  private int staleRetries;
  /** The response head, held back until the first body bytes or the end of the response. */
  private ByteBuf pendingHead;
  /** The body's parts not yet sent on this try, and copies of those sent, for a retry. */
  private final ReplayBuffer body = new ReplayBuffer();
  /** Body bytes of the current request read so far, against the body limit. */
  private long bodyBytes;
  /** Pipelined messages of the next requests, handled once the current one ends. */
  private ArrayDeque<Object> queued;

  FrontendHandler(Proxy proxy, Worker worker) {
    this.proxy = proxy;
    this.worker = worker;
    ProxyOptions o = proxy.options();
    this.idleNanos = o.idleTimeout().toNanos();
    this.headNanos = o.requestHeaderTimeout().toNanos();
    this.responseNanos = o.responseTimeout().toNanos();
    this.ejectAfter = o.ejectAfter();
    this.maxBody = o.limits().maxBody();
    this.sendNanos = o.limits().sendTimeout().toNanos();
    this.bodyWindowNanos = o.limits().bodyRateWindow().toNanos();
    this.bodyWindowBytes = o.limits().minBytesPerWindow();
    this.tried = new Backend[o.maxTries()];
  }

  // ---- client side ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    clientIp = remote == null ? "unknown" : remote.getAddress().getHostAddress();
    worker.link(this);
    arm(Deadline.IDLE, idleNanos);
    ctx.read();
  }

  /**
   * Called by the decoder on every read of {@code n} bytes: the first byte after an idle spell
   * starts the head timer; while lingering, bytes are counted against its bound.
   */
  void bytesArrived(int n) {
    if (phase == Deadline.IDLE) {
      firstByte = System.nanoTime();
      arm(Deadline.HEAD, headNanos);
    } else if (phase == Deadline.LINGER) {
      lingerBytes += n;
      if (lingerBytes > LINGER_MAX_BYTES) {
        phase = Deadline.NONE;
        ctx.close();
      } else {
        deadline = Math.min(System.nanoTime() + LINGER_IDLE_NANOS, lingerEnd);
      }
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
    } else if (active) {
      if (!requestDone && msg instanceof HttpContent && (queued == null || queued.isEmpty())) {
        requestContent((HttpContent) msg);
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
    BackendConnection conn = conn();
    if (flushBackend && conn != null) {
      flushBackend = false;
      conn.channel().flush();
    }
    if (closing) {
      if (phase == Deadline.LINGER) {
        ctx.read();
      }
      return;
    }
    if (!active) {
      ctx.read();
    } else if (!requestDone) {
      if (conn != null && attempt.headWritten) {
        if (conn.channel().isWritable()) {
          ctx.read();
        } else {
          clientPaused = true;
          bodyStalled = true;
        }
      } else {
        bodyStalled = true;
      }
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
    if (phase == Deadline.SEND && ctx.channel().isWritable()) {
      phase = Deadline.NONE; // the client took some of its response: progress
    }
    BackendConnection conn = conn();
    if (backendPaused && ctx.channel().isWritable() && conn != null) {
      backendPaused = false;
      conn.channel().read();
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
    if (active) {
      detachBackend();
      endExchange(responseStarted ? status : 0, false);
    }
    releaseAll(queued);
    queued = null;
    ReferenceCountUtil.release(pendingHead);
    pendingHead = null;
  }

  private void startRequest(HttpRequest req) {
    start = phase == Deadline.HEAD ? firstByte : System.nanoTime();
    phase = Deadline.NONE;
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      reject(statusFor(result.cause()));
      return;
    }
    HttpHeaders h = req.headers();
    if (!Headers.validFraming(h)) {
      reject(400);
      return;
    }
    int problem = RequestRules.check(req);
    if (problem != RequestRules.OK) {
      reject(problem);
      return;
    }
    if (maxBody > 0 && HttpUtil.getContentLength(req, 0L) > maxBody) {
      reject(413); // before anything reaches a backend
      return;
    }
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    active = true;
    request = req;
    http10 = req.protocolVersion().minorVersion() == 0;
    isHead = HttpMethod.HEAD.equals(req.method());
    hasBody = chunked || HttpUtil.getContentLength(req, 0L) > 0;
    requestChunked = chunked;
    requestDone = false;
    keepAlive = HttpUtil.isKeepAlive(req);
    retryable = idempotent(req.method()) || h.contains(Headers.IDEMPOTENCY_KEY);
    status = 0;
    tries = 0;
    staleRetries = 0;
    if (proxy.memory.isShort()) {
      keepAlive = false; // and no new work from this connection either
      replyLocal(503, Replies.overloaded(isHead), true);
      return;
    }
    byte[] page = proxy.maintenancePage;
    if (page != null) {
      boolean close = closeAfterLocalReply();
      replyLocal(503, Replies.maintenance(page, close, isHead), close);
      return;
    }
    Headers.removeHopByHop(h);
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    Headers.addForwarded(h, clientIp);
    if (hasBody) {
      windowMark = 0;
      bodyStalled = false;
      arm(Deadline.BODY, bodyWindowNanos);
    }
    dispatch();
  }

  private void requestContent(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      // A broken chunk: the body cannot be trusted, and neither can the rest of the stream.
      c.release();
      abandonRequest(400);
      return;
    }
    bodyBytes += c.content().readableBytes();
    if (maxBody > 0 && bodyBytes > maxBody) {
      c.release();
      abandonRequest(413); // a chunked body that outgrew the limit: never sent whole
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (last && requestChunked) {
      Headers.cleanTrailers(((LastHttpContent) c).trailingHeaders());
    }
    if (last) {
      requestDone = true;
    }
    if (!hasBody) {
      c.release(); // the empty end of a bodiless request: the head already carried it
      return;
    }
    BackendConnection conn = conn();
    if (conn == null || !attempt.headWritten) {
      body.hold(c); // until the head is out, so that a retry can still send them
      return;
    }
    Channel ch = conn.channel();
    writeBody(ch, c);
    flushBackend = true;
    if (last) {
      flushBackend = false;
      ch.flush();
      awaitResponse();
    }
  }

  /**
   * Gives up on a request whose body went wrong midway: its backend connection is closed (the
   * backend never sees the body end), the client gets {@code status} if no response started,
   * and the connection closes, since the rest of its bytes cannot be trusted.
   */
  private void abandonRequest(int status) {
    detachBackend();
    if (responseStarted) {
      ctx.close();
    } else {
      keepAlive = false;
      releaseBackend(0);
      replyLocal(status, Replies.plain(status, true, isHead), true);
    }
  }

  // ---- dispatch and retry ----

  private void dispatch() {
    Backend b = tries < tried.length ? proxy.pool().select(tried, tries) : null;
    if (b == null) {
      replyLocal(tries == 0 ? 503 : 502);
      return;
    }
    tried[tries++] = b;
    send(b);
  }

  private void send(Backend b) {
    Attempt a = new Attempt(b);
    attempt = a;
    BackendConnection c = worker.pool.poll(b);
    while (c != null && !retryable && !worker.stillOpen(c.channel())) {
      // closed by the backend while idle: an unretryable request avoids it
      Worker.closeSoon(c.channel());
      c = worker.pool.poll(b);
    }
    a.reused = c != null;
    if (c != null) {
      bind(c);
      return;
    }
    // One listener per new connection, not per request: connections are pooled.
    worker.connect(b).addListener((ChannelFuture f) -> connected(f, a));
  }

  private void connected(ChannelFuture f, Attempt a) {
    BackendConnection c = f.isSuccess() ? f.channel().pipeline().get(BackendConnection.class) : null;
    if (!active || a != attempt || a.conn != null) {
      if (c != null) { // the exchange moved on: keep the connection for the next one
        if (c.backend().isUsable()) {
          worker.pool.offer(c, System.nanoTime());
        } else {
          f.channel().close();
        }
      }
      return;
    }
    if (c == null) {
      log.debug("connect to {} failed: {}", a.backend, f.cause().toString());
      backendFailed(false);
      return;
    }
    bind(c);
  }

  private void bind(BackendConnection c) {
    attempt.conn = c;
    c.exchange = this;
    // A client that knows no chunks (HTTP/1.0) gets a chunked body as its bare data.
    c.reader.expect(this, isHead, http10);
    Channel ch = c.channel();
    // One buffer, one write. A body waits until the head is out, so that a connection found dead
    // on the first write can still send the whole request elsewhere.
    ch.writeAndFlush(Framing.requestHead(ch.alloc(), request),
        ch.newPromise().addListener(headWrittenListener));
    if (!hasBody) {
      awaitResponse();
    }
    ch.read();
  }

  private void headWritten(ChannelFuture f) {
    BackendConnection conn = conn();
    if (conn == null || f.channel() != conn.channel()) {
      return;
    }
    if (!f.isSuccess()) {
      f.channel().close(); // channelInactive reports it, with nothing written
      return;
    }
    attempt.headWritten = true;
    if (!hasBody) {
      return;
    }
    Channel ch = f.channel();
    bodyStalled = true; // no body was read while the head was on its way
    HttpContent c = body.nextPending();
    if (c != null) {
      boolean last = false;
      for (; c != null; c = body.nextPending()) {
        last |= c instanceof LastHttpContent;
        writeBody(ch, c);
      }
      ch.flush();
      if (last) {
        awaitResponse();
      }
    }
    if (!requestDone) {
      if (ch.isWritable()) {
        ctx.read();
      } else {
        clientPaused = true;
      }
    }
  }

  /** Sends a body part, keeping a copy while a retry could still need the whole body. */
  private void writeBody(Channel ch, HttpContent c) {
    body.sending(c, retryable);
    attempt.bodyWritten = true;
    Framing.writeRequestBody(ch, c, requestChunked);
  }


  private void awaitResponse() {
    if (!responseStarted) {
      arm(Deadline.AWAIT, responseNanos);
    }
  }

  /** The current attempt failed before the response was whole (or timed out). */
  private void backendFailed(boolean timeout) {
    Attempt a = attempt;
    Backend backend = a.backend;
    clientPaused = false;
    backendPaused = false;
    if (phase == Deadline.AWAIT) {
      phase = Deadline.NONE;
    }
    // A head held back here has not reached the client: as if no answer had come.
    boolean headOnly = responseStarted && pendingHead != null;
    RetryPolicy.Decision d = RetryPolicy.decide(new RetryPolicy.Failure(timeout, a.reused,
        responseStarted, responseStarted && !headOnly, informational, a.headWritten,
        a.bodyWritten, !body.lost(), retryable, backend.isUsable(), tried.length - staleRetries,
        closing));
    if (d != RetryPolicy.Decision.RETRY_SAME_BACKEND) {
      backend.recordFailure(ejectAfter);
    }
    if (headOnly) {
      ReferenceCountUtil.release(pendingHead);
      pendingHead = null;
      responseStarted = false;
      status = 0;
    }
    switch (d) {
      case RETRY_SAME_BACKEND:
        staleRetries++;
        proxy.listener.retried(backend, true);
        releaseBackend(0);
        body.rewind();
        send(backend);
        break;
      case RETRY_ANOTHER_BACKEND:
        proxy.listener.retried(backend, false);
        releaseBackend(0);
        body.rewind();
        dispatch();
        break;
      case CUT_RESPONSE:
        releaseBackend(status);
        writePendingHead();
        ctx.flush();
        ctx.close();
        break;
      case ANSWER_502:
      case ANSWER_504:
        releaseBackend(0);
        replyLocal(d == RetryPolicy.Decision.ANSWER_504 ? 504 : 502);
        break;
      default: // GIVE_UP
        releaseBackend(0);
        break;
    }
  }

  // ---- backend side (called by BackendConnection and its ResponseReader) ----

  @Override
  public void responseMalformed(String why) {
    log.debug("backend {}: {}", attempt.backend, why);
    detachBackend();
    backendFailed(false);
  }

  @Override
  public void responseHead(ResponseReader r) {
    int code = r.status;
    if (code < 200) { // 1xx; no 101, since Upgrade is never forwarded
      if (code == 100) {
        // Only to a client that waits for it, and once: it then sends its body.
        if (!informational && HttpUtil.is100ContinueExpected(request)) {
          informational = true;
          ctx.writeAndFlush(Framing.CONTINUE.duplicate(), ctx.voidPromise());
        }
      } else if (!http10) {
        // Others (103 Early Hints) go on as they came; an HTTP/1.0 client knows none.
        ctx.writeAndFlush(r.takeHead().writeShort(0x0d0a), ctx.voidPromise());
      }
      return;
    }
    phase = Deadline.NONE;
    status = code;
    responseStarted = true;
    if (code >= 500) {
      attempt.backend.recordFailure(ejectAfter);
    } else {
      attempt.backend.recordSuccess();
    }
    ByteBuf head = r.takeHead();
    chunkOut = false;
    if (isHead) {
      if (r.chunked) {
        head.writeBytes(Framing.CHUNKED); // what a GET would get, as HEAD promises
      }
    } else if (r.framing == ResponseReader.CHUNKED || r.framing == ResponseReader.UNTIL_CLOSE) {
      if (http10) {
        keepAlive = false; // an HTTP/1.0 client knows no chunks: the close ends the body
      } else {
        head.writeBytes(Framing.CHUNKED);
        chunkOut = r.framing == ResponseReader.UNTIL_CLOSE;
      }
    }
    backendKeepAlive = r.keepAlive;
    if (!requestDone) {
      keepAlive = false; // the client is still sending: the next request's start is lost
    }
    if (!keepAlive) {
      head.writeBytes(Framing.CLOSE);
    } else if (http10) {
      head.writeBytes(Framing.KEEP_ALIVE);
    }
    head.writeShort(0x0d0a);
    // Held until the first body bytes or the end: a small body in the same read leaves in the
    // same buffer, and a backend that dies right after its head can still be retried. A body
    // without a length may be a stream (server-sent events): its head waits no longer than
    // the end of this read.
    pendingHead = head;
    streaming = r.framing == ResponseReader.CHUNKED || r.framing == ResponseReader.UNTIL_CLOSE;
    flushClient = true;
  }

  @Override
  public void responseBody(ByteBuf in, int from, int len) {
    if (len == 0) {
      return;
    }
    flushClient = true;
    ByteBuf head = pendingHead;
    if (head != null) {
      pendingHead = null;
      if (!chunkOut && len <= head.writableBytes()) {
        ctx.write(head.writeBytes(in, from, len), ctx.voidPromise());
        return;
      }
      ctx.write(head, ctx.voidPromise());
    }
    if (chunkOut) {
      ctx.write(Framing.chunkHeader(ctx.alloc(), len), ctx.voidPromise());
      ctx.write(in.retainedSlice(from, len), ctx.voidPromise());
      ctx.write(Framing.CRLF.duplicate(), ctx.voidPromise());
    } else {
      ctx.write(in.retainedSlice(from, len), ctx.voidPromise());
    }
  }

  @Override
  public void responseEnd() {
    writePendingHead();
    if (chunkOut) {
      ctx.write(Framing.LAST_CHUNK.duplicate(), ctx.voidPromise());
    }
    flushClient = false;
    BackendConnection done = attempt.conn;
    attempt.conn = null;
    done.exchange = null;
    backendPaused = false;
    boolean reuse = backendKeepAlive && requestDone
        && attempt.backend.adminState() == AdminState.READY
        && done.channel().isActive() && !done.reader.trailingGarbage;
    if (reuse) {
      worker.pool.offer(done, System.nanoTime());
    } else {
      done.reader.detach();
      done.channel().close();
    }
    boolean close = !keepAlive;
    if (close && clientStillSending()) {
      lingerClose(); // the backend answered before the body ended: let the client hear it
    } else {
      flushLast(close);
    }
    endExchange(status, false);
    if (close) {
      closing = true;
    } else {
      nextRequest();
    }
  }

  /** Writes the response head held back by {@link #responseHead}, if any. */
  private void writePendingHead() {
    ByteBuf h = pendingHead;
    if (h != null) {
      pendingHead = null;
      ctx.write(h, ctx.voidPromise());
    }
  }

  void backendReadComplete(BackendConnection c) {
    if (c != conn()) {
      return;
    }
    if (streaming) {
      writePendingHead();
    }
    if (flushClient) {
      flushClient = false;
      ctx.flush();
    }
    if (ctx.channel().isWritable()) {
      c.channel().read();
    } else {
      backendPaused = true;
      if (phase == Deadline.NONE) {
        arm(Deadline.SEND, sendNanos);
      }
    }
  }

  void backendWritable(BackendConnection c) {
    if (c == conn() && clientPaused) {
      clientPaused = false;
      ctx.read();
    }
  }

  void backendClosed(BackendConnection c, Throwable cause) {
    if (c != conn()) {
      return;
    }
    attempt.conn = null;
    if (cause != null) {
      log.debug("backend {} connection failed: {}", attempt.backend, cause.toString());
    }
    backendFailed(false);
  }

  // ---- deadlines, drain ----

  private void arm(Deadline p, long nanos) {
    phase = p;
    deadline = System.nanoTime() + nanos;
  }

  /** Called by the worker's tick. */
  void checkDeadline(long now) {
    Deadline p = phase;
    if (p == Deadline.NONE || now - deadline < 0) {
      return;
    }
    phase = Deadline.NONE;
    switch (p) {
      case IDLE:
        ctx.close();
        break;
      case HEAD:
        reject(408);
        break;
      case BODY:
        checkBodyRate();
        break;
      case SEND:
        log.debug("client {} took none of its response for {} ms: reset", clientIp,
            TimeUnit.NANOSECONDS.toMillis(sendNanos));
        // A reset, not a close: the kernel would otherwise keep the unsent bytes and go on
        // offering them to a client that does not read (nginx's reset_timedout_connection).
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close(); // channelInactive releases the backend connection
        break;
      case LINGER:
        ctx.close();
        break;
      case AWAIT:
        if (active && conn() != null) {
          detachBackend();
          backendFailed(/* timeout= */ true);
        }
        break;
      default:
        break;
    }
  }

  /** A body-rate window ended: too few bytes end the request with 408, else a new window opens. */
  private void checkBodyRate() {
    if (!active || requestDone || responseStarted || closing) {
      return;
    }
    // A client waiting for its 100 Continue sends nothing: the wait is the backend's, not its own.
    boolean ourWait = bodyStalled || (!informational && HttpUtil.is100ContinueExpected(request));
    if (!ourWait && bodyBytes - windowMark < bodyWindowBytes) {
      log.debug("client {} sent {} body bytes in {} ms: 408", clientIp, bodyBytes - windowMark,
          TimeUnit.NANOSECONDS.toMillis(bodyWindowNanos));
      abandonRequest(408);
      return;
    }
    bodyStalled = clientPaused || conn() == null || !attempt.headWritten;
    windowMark = bodyBytes;
    arm(Deadline.BODY, bodyWindowNanos);
  }

  /** Drain deadline: ends the exchange bound to {@code b}, if any. */
  boolean cancelIfBoundTo(Backend b) {
    if (!active || attempt == null || !attempt.counts() || attempt.backend != b) {
      return false;
    }
    detachBackend();
    phase = Deadline.NONE;
    if (responseStarted) {
      releaseBackend(status);
      writePendingHead();
      ctx.flush();
      ctx.close();
    } else {
      releaseBackend(504);
      replyLocal(504);
    }
    return true;
  }

  // ---- ending ----

  /** Answers an unusable request (400, 408, 413, 414, 431, 501, 505) and closes. */
  private void reject(int s) {
    closing = true;
    phase = Deadline.NONE;
    long began = firstByte != 0 ? firstByte : System.nanoTime();
    ctx.write(Replies.plain(s, true, false), ctx.voidPromise());
    if (s == 408) {
      flushLast(true); // too slow to send a head: no more time for it
    } else {
      lingerClose(); // the rest of that request, or more of it, may still be on its way
    }
    proxy.listener.completed(null, s, System.nanoTime() - began, true);
  }

  private void replyLocal(int s) {
    boolean close = closeAfterLocalReply();
    replyLocal(s, Replies.plain(s, close, isHead), close);
  }

  private void replyLocal(int s, ByteBuf res, boolean close) {
    responseStarted = true;
    ctx.write(res, ctx.voidPromise());
    if (close && clientStillSending()) {
      lingerClose();
    } else {
      flushLast(close);
    }
    endExchange(s, true);
    if (close) {
      closing = true;
    } else {
      nextRequest();
    }
  }

  private boolean closeAfterLocalReply() {
    return !keepAlive || (hasBody && !requestDone);
  }

  private boolean clientStillSending() {
    return active && hasBody && !requestDone;
  }

  /**
   * Closes after an answer the client may not be reading yet because it is still sending: a close
   * with unread bytes would reset the connection and destroy the answer in the client's buffer.
   * So the write side is shut once the answer is out, and what still comes is read and dropped
   * until the client closes, or a bound of time or bytes passes (nginx's lingering close).
   */
  private void lingerClose() {
    closing = true;
    phase = Deadline.NONE;
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
        long now = System.nanoTime();
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
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.flush();
    }
  }

  private void endExchange(int s, boolean proxyError) {
    releaseBackend(s);
    Backend b = attempt == null ? null : attempt.backend;
    proxy.listener.completed(b, s, System.nanoTime() - start, proxyError);
    active = false;
    request = null;
    attempt = null;
    for (int i = 0; i < tries; i++) {
      tried[i] = null;
    }
    tries = 0;
    staleRetries = 0;
    informational = false;
    streaming = false;
    responseStarted = false;
    clientPaused = false;
    backendPaused = false;
    flushBackend = false;
    firstByte = 0;
    body.clear();
    bodyBytes = 0;
  }

  /** The current attempt's backend connection, or null. */
  private BackendConnection conn() {
    Attempt a = attempt;
    return a == null ? null : a.conn;
  }

  /** Handles pipelined requests already read, then waits for the next one. */
  private void nextRequest() {
    arm(Deadline.IDLE, idleNanos);
    while (!active && !closing && queued != null && !queued.isEmpty()) {
      Object msg = queued.poll();
      if (msg instanceof HttpRequest) {
        startRequest((HttpRequest) msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
      while (active && !requestDone && !queued.isEmpty() && queued.peek() instanceof HttpContent) {
        requestContent((HttpContent) queued.poll());
      }
    }
    if (!active && !closing) {
      ctx.read();
    }
  }

  private void releaseBackend(int s) {
    if (attempt != null) {
      attempt.release(s);
    }
  }

  private void detachBackend() {
    BackendConnection c = conn();
    if (c != null) {
      attempt.conn = null;
      c.exchange = null;
      c.reader.detach();
      Worker.closeSoon(c.channel());
    }
  }

  private static void releaseAll(ArrayDeque<? extends Object> q) {
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

  private static boolean idempotent(HttpMethod m) {
    return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.PUT.equals(m)
        || HttpMethod.DELETE.equals(m) || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.TRACE.equals(m);
  }
}
