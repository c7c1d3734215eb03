package dev.nonstop.proxy;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, on a {@link ClientConnection}: it picks a backend, makes an
 * {@link Attempt} on it (and another when {@link RetryPolicy} says so), streams the body each way
 * with backpressure, and keeps the exchange's deadlines: the request body's rate, the backend's
 * answer, the client's taking of the response. An HTTP/1.1 connection carries one exchange at a
 * time, so it keeps one object and {@link #end resets} it between requests: a request allocates
 * no exchange.
 *
 * <p>Event-loop confined, like its connection: the backend connections it drives were opened on
 * the client's event loop, so the two sides call each other directly. Backpressure: a body chunk is
 * read from one side only when the other side is writable; a paused side resumes on the other's
 * writability event.
 */
final class Exchange implements ResponseReader.Sink {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  /**
   * Where the exchange is. The request body may still be coming in any state but IDLE (a backend
   * may answer before it ends): that is {@code requestDone}, beside the state. Transitions are
   * not logged: they happen several times per request on the hot path.
   */
  enum State {
    /** No request: between exchanges. */
    IDLE,
    /** A request was taken: a backend is chosen, connected to, sent the request. */
    SENDING,
    /** The whole request is out: the backend's answer is awaited. */
    AWAITING_HEAD,
    /** The backend answered: its response goes to the client (its head may still be held). */
    STREAMING,
    /** The backend switched protocols (101): bytes go both ways as they come, until a side closes. */
    UPGRADED,
    /** The proxy answers on its own; the exchange ends at once. */
    ANSWERED
  }

  /** What the exchange's one deadline stands for; the worker's tick checks it. */
  private enum Deadline {
    NONE,
    /** A request body is coming: each window must bring its minimum of bytes. */
    BODY,
    /** The request is whole: the backend must answer within the response timeout. */
    AWAIT,
    /** The client takes none of its response: the send timeout. */
    SEND,
    /** A tunnel: no byte either way for the tunnel idle timeout ends it. */
    TUNNEL_IDLE
  }

  private final Downstream client;
  private final Proxy proxy;
  private final Worker worker;
  private final long responseNanos;
  private final int ejectAfter;
  private final long maxBody;
  private final long sendNanos;
  private final long bodyWindowNanos;
  private final long bodyWindowBytes;
  private final long tunnelIdleNanos;
  private final ChannelFutureListener headWrittenListener = this::headWritten;
  private final Backend[] tried;
  /** The body's parts not yet sent on this try, and copies of those sent, for a retry. */
  private final ReplayBuffer body = new ReplayBuffer();

  private Deadline phase = Deadline.NONE;
  private long deadline;
  /** Body bytes read when the current body-rate window began. */
  private long windowMark;
  /** Reading the body paused in this window (the backend was slow, not the client). */
  private boolean bodyStalled;

  private State state = State.IDLE;

  // The request; null between exchanges.
  private HttpRequest request;
  /** The app the request went to; null when no route matched it. */
  private Site site;
  private long start;
  private boolean http10;
  private boolean isHead;
  private boolean hasBody;
  /** The request body is chunked: its parts go to the backend as chunks. */
  private boolean requestChunked;
  private boolean requestDone;
  /** Body bytes of the request read so far, against the body limit. */
  private long bodyBytes;
  private boolean keepAlive;
  private boolean retryable;
  /** The protocol the client asked to switch to (Upgrade), or null. */
  private String upgradeTo;
  /** When a byte last went through the tunnel, either way. */
  private long lastActivity;
  private int tries;
  private int staleRetries;
  /** The current try; null between exchanges. */
  private Attempt attempt;

  // The response.
  private boolean informational;
  private int status;
  /** The response head, held back until the first body bytes or the end of the response. */
  private ByteBuf pendingHead;
  /** The response body runs until the backend closes: it goes to the client as chunks. */
  private boolean chunkOut;
  /** The response body has no length: its head is not held past the read it came in. */
  private boolean streaming;
  private boolean backendKeepAlive;
  /** How the stream this response became ended, once it did; null while it runs. */
  private RequestListener.StreamEnd streamEnd;

  // Backpressure and flushes.
  private boolean clientPaused;
  private boolean backendPaused;
  private boolean flushBackend;
  private boolean flushClient;

  Exchange(Downstream client, Proxy proxy, Worker worker) {
    ProxyOptions o = proxy.options();
    this.client = client;
    this.proxy = proxy;
    this.worker = worker;
    this.responseNanos = o.responseTimeout().toNanos();
    this.ejectAfter = o.ejectAfter();
    this.maxBody = o.limits().maxBody();
    this.sendNanos = o.limits().sendTimeout().toNanos();
    this.bodyWindowNanos = o.limits().bodyRateWindow().toNanos();
    this.bodyWindowBytes = o.limits().minBytesPerWindow();
    this.tunnelIdleNanos = o.tunnelIdleTimeout().toNanos();
    this.tried = new Backend[o.maxTries()];
  }

  boolean active() {
    return state != State.IDLE;
  }

  /** Whether the request's body is still coming from the client, or the bytes of a tunnel. */
  boolean wantsBody() {
    return state != State.IDLE && !requestDone || state == State.UPGRADED;
  }

  /** An upgrade was asked for and the answer has not come: the client's next bytes wait, unparsed. */
  boolean upgradeAwaited() {
    return upgradeTo != null && (state == State.SENDING || state == State.AWAITING_HEAD);
  }

  boolean tunnel() {
    return state == State.UPGRADED;
  }

  // ---- the request, from the client ----

  /**
   * Takes a checked request head whose first byte came at {@code began}, with its Content-Length
   * (0 when it has none).
   */
  void start(HttpRequest req, long began, long contentLength) {
    HttpHeaders h = req.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    state = State.SENDING;
    request = req;
    start = began;
    http10 = req.protocolVersion().minorVersion() == 0;
    isHead = HttpMethod.HEAD.equals(req.method());
    hasBody = chunked || contentLength > 0;
    requestChunked = chunked;
    requestDone = false;
    keepAlive = HttpUtil.isKeepAlive(req) && !client.handingOff();
    retryable = idempotent(req.method()) || h.contains(Headers.IDEMPOTENCY_KEY);
    status = 0;
    tries = 0;
    staleRetries = 0;
    Routes routes = proxy.routes;
    site = routes.only();
    if (site == null) { // several apps: by host name and path
      Routes.Route r = routes.route(h, req.uri());
      if (r == null) {
        replyLocal(404);
        return;
      }
      site = r.site();
      if (r.stripPrefix()) {
        req.setUri(r.target(req.uri()));
      }
    }
    if (proxy.memory.isShort()) {
      keepAlive = false; // and no new work from this connection either
      replyLocal(503, Replies.overloaded(isHead), true);
      return;
    }
    byte[] page = site.maintenancePage;
    if (page != null) {
      boolean close = closeAfterLocalReply();
      replyLocal(503, Replies.maintenance(page, close, isHead), close);
      return;
    }
    upgradeTo = hasBody || http10 ? null : Headers.upgradeWanted(h);
    Headers.removeHopByHop(h);
    if (upgradeTo != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgradeTo);
      // An answer other than 101 ends the connection: the client may have sent the new protocol's
      // first bytes already, and they are no HTTP request.
      keepAlive = false;
    }
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    Headers.addForwarded(h, client.clientIp(), client.secure());
    if (hasBody) {
      windowMark = 0;
      bodyStalled = false;
      arm(Deadline.BODY, bodyWindowNanos);
    }
    dispatch();
  }

  /** A part of the request body. */
  void content(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      // A broken chunk: the body cannot be trusted, and neither can the rest of the stream.
      c.release();
      cancel(Cancel.BROKEN_BODY);
      return;
    }
    bodyBytes += c.content().readableBytes();
    if (maxBody > 0 && bodyBytes > maxBody) {
      c.release();
      cancel(Cancel.BODY_TOO_LARGE); // a chunked body that outgrew the limit: never sent whole
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

  /** At the end of a client read: body parts written in it leave in one flush. */
  void flushBackend() {
    BackendConnection conn = conn();
    if (flushBackend && conn != null) {
      flushBackend = false;
      conn.channel().flush();
    }
  }

  /** At the end of a client read, while the body still comes: reads on if the backend takes it. */
  void readMoreBody() {
    BackendConnection conn = conn();
    if (conn != null && attempt.headWritten) {
      if (conn.channel().isWritable()) {
        client.readMore();
      } else {
        clientPaused = true;
        bodyStalled = true;
      }
    } else {
      bodyStalled = true;
    }
  }

  /** The client's connection can take more: progress against the send timeout, and reads. */
  void clientWritable() {
    if (phase == Deadline.SEND) {
      phase = Deadline.NONE; // the client took some of its response
    }
    BackendConnection conn = conn();
    if (backendPaused && conn != null) {
      backendPaused = false;
      conn.channel().read();
    }
  }

  /** The client connection closed. */
  void clientGone() {
    phase = Deadline.NONE;
    if (attempt != null && attempt.isStream() && streamEnd == null) {
      streamEnd = RequestListener.StreamEnd.CLIENT;
    }
    if (state != State.IDLE) {
      detachBackend();
      end(state == State.STREAMING ? status : 0, false);
    }
    ReferenceCountUtil.release(pendingHead);
    pendingHead = null;
  }

  // ---- dispatch and retry ----

  private void dispatch() {
    Pool pool = site.pool();
    Backend b = tries >= tried.length ? null
        : pool.isSplit()
            ? pool.select(tried, tries, Headers.clientKey(request.headers(), client.clientIp())) // a canary: sticky
            : pool.select(tried, tries);
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
    BackendConnection c =
        f.isSuccess() ? f.channel().pipeline().get(BackendConnection.class) : null;
    if (state == State.IDLE || a != attempt || a.conn != null) {
      if (c != null) { // the exchange moved on: keep the connection for the next one
        if (c.backend().isUsable()) {
          worker.pool.offer(c, proxy.clock.getAsLong());
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
    c.reader.expect(this, isHead, http10, upgradeTo != null);
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
        client.readMore();
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
    if (state == State.SENDING) {
      state = State.AWAITING_HEAD;
      arm(Deadline.AWAIT, responseNanos);
    }
  }

  /** The current attempt failed before the response was whole (or timed out). */
  private void backendFailed(boolean timeout) {
    Attempt a = attempt;
    if (a.isStream() && streamEnd == null) {
      streamEnd = RequestListener.StreamEnd.BACKEND; // its server went away mid-stream
    }
    Backend backend = a.backend;
    clientPaused = false;
    backendPaused = false;
    if (phase == Deadline.AWAIT) {
      phase = Deadline.NONE;
    }
    // A head held back here has not reached the client: as if no answer had come.
    boolean answered = state == State.STREAMING;
    boolean headOnly = answered && pendingHead != null;
    RetryPolicy.Decision d = RetryPolicy.decide(new RetryPolicy.Failure(timeout, a.reused,
        answered, answered && !headOnly, informational, a.headWritten,
        a.bodyWritten, !body.lost(), retryable, backend.isUsable(), tried.length - staleRetries,
        client.closing()));
    if (d != RetryPolicy.Decision.RETRY_SAME_BACKEND) {
      backend.recordFailure(ejectAfter);
    }
    if (headOnly) {
      ReferenceCountUtil.release(pendingHead);
      pendingHead = null;
      status = 0;
    }
    if (d == RetryPolicy.Decision.RETRY_SAME_BACKEND
        || d == RetryPolicy.Decision.RETRY_ANOTHER_BACKEND) {
      state = State.SENDING; // a new try, from the start
    }
    switch (d) {
      case RETRY_SAME_BACKEND:
        staleRetries++;
        listener().retried(backend, true);
        releaseBackend(0);
        body.rewind();
        send(backend);
        break;
      case RETRY_ANOTHER_BACKEND:
        listener().retried(backend, false);
        releaseBackend(0);
        body.rewind();
        dispatch();
        break;
      case CUT_RESPONSE:
        releaseBackend(status);
        writePendingHead();
        client.cut();
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

  // ---- the response, from the backend (called by BackendConnection and its ResponseReader) ----

  @Override
  public void responseMalformed(String why) {
    log.debug("backend {}: {}", attempt.backend, why);
    detachBackend();
    backendFailed(false);
  }

  @Override
  public void responseHead(ResponseReader r) {
    int code = r.status;
    if (code == 101) { // the reader lets one through only to a request that asked to upgrade
      openTunnel(r);
      return;
    }
    if (code < 200) {
      if (code == 100) {
        // Only to a client that waits for it, and once: it then sends its body.
        if (!informational && HttpUtil.is100ContinueExpected(request)) {
          informational = true;
          client.write(Framing.CONTINUE.duplicate());
          client.flush();
        }
      } else if (!http10) {
        // Others (103 Early Hints) go on as they came; an HTTP/1.0 client knows none.
        client.write(r.takeHead().writeShort(0x0d0a));
        client.flush();
      }
      return;
    }
    phase = Deadline.NONE;
    status = code;
    state = State.STREAMING;
    if (code >= 500) {
      attempt.backend.recordFailure(ejectAfter);
    } else {
      attempt.backend.recordSuccess();
    }
    if (r.eventStream && !isHead) {
      attempt.becomeStream(code); // a drain waits for requests, not for streams that may run for hours
      listener().streamOpened(attempt.backend);
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

  /**
   * The backend switched protocols: the 101 goes to the client, and from now on the connection is
   * a two-way byte tunnel, with backpressure both ways, until one side closes or it idles out.
   */
  private void openTunnel(ResponseReader r) {
    phase = Deadline.NONE;
    status = 101;
    state = State.UPGRADED;
    attempt.backend.recordSuccess();
    attempt.becomeStream(101);
    listener().streamOpened(attempt.backend);
    ByteBuf head = r.takeHead();
    head.writeBytes(Framing.UPGRADE_CONNECTION);
    head.writeCharSequence("upgrade: " + upgradeTo + "\r\n\r\n", java.nio.charset.StandardCharsets.US_ASCII);
    client.write(head);
    flushClient = true;
    lastActivity = proxy.clock.getAsLong();
    arm(Deadline.TUNNEL_IDLE, tunnelIdleNanos);
    client.tunnelOpened(); // the client's bytes are no longer HTTP
  }

  /** Bytes from the client, through the tunnel to the backend. */
  void tunnelIn(ByteBuf data) {
    BackendConnection conn = conn();
    if (conn == null) {
      data.release();
      return;
    }
    lastActivity = proxy.clock.getAsLong();
    conn.channel().write(data, conn.channel().voidPromise());
    flushBackend = true;
  }

  @Override
  public void responseBody(ByteBuf in, int from, int len) {
    if (len == 0) {
      return;
    }
    if (state == State.UPGRADED) {
      lastActivity = proxy.clock.getAsLong();
    }
    Downstream c = client;
    flushClient = true;
    ByteBuf head = pendingHead;
    if (head != null) {
      pendingHead = null;
      if (!chunkOut && len <= head.writableBytes()) {
        c.write(head.writeBytes(in, from, len));
        return;
      }
      c.write(head);
    }
    if (chunkOut) {
      c.write(Framing.chunkHeader(c.alloc(), len));
      c.write(in.retainedSlice(from, len));
      c.write(Framing.CRLF.duplicate());
    } else {
      c.write(in.retainedSlice(from, len));
    }
  }

  @Override
  public void responseEnd() {
    if (state == State.UPGRADED) { // the backend closed its side of the tunnel
      endStream(RequestListener.StreamEnd.BACKEND);
      return;
    }
    writePendingHead();
    if (chunkOut) {
      client.write(Framing.LAST_CHUNK.duplicate());
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
      worker.pool.offer(done, proxy.clock.getAsLong());
    } else {
      done.reader.detach();
      done.channel().close();
    }
    finish(status, false, !keepAlive);
  }

  /** Writes the response head held back by {@link #responseHead}, if any. */
  private void writePendingHead() {
    ByteBuf h = pendingHead;
    if (h != null) {
      pendingHead = null;
      client.write(h);
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
      client.flush();
    }
    if (client.writable()) {
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
      client.readMore();
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
    deadline = proxy.clock.getAsLong() + nanos;
  }

  /** Called by the worker's tick, through the connection. */
  void checkDeadline(long now) {
    Deadline p = phase;
    if (p == Deadline.NONE || now - deadline < 0) {
      return;
    }
    phase = Deadline.NONE;
    switch (p) {
      case BODY:
        checkBodyRate();
        break;
      case SEND:
        log.debug("client {} took none of its response for {} ms: reset", client.clientIp(),
            TimeUnit.NANOSECONDS.toMillis(sendNanos));
        client.reset(); // clientGone releases the backend connection
        break;
      case TUNNEL_IDLE:
        if (state == State.UPGRADED) {
          long idleSince = lastActivity;
          if (now - idleSince >= tunnelIdleNanos) {
            log.debug("tunnel of {} idle for {} ms: closed", client.clientIp(),
                TimeUnit.NANOSECONDS.toMillis(tunnelIdleNanos));
            endStream(RequestListener.StreamEnd.PROXY);
          } else {
            phase = Deadline.TUNNEL_IDLE;
            deadline = idleSince + tunnelIdleNanos;
          }
        }
        break;
      case AWAIT:
        if (state != State.IDLE && conn() != null) {
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
    if ((state != State.SENDING && state != State.AWAITING_HEAD) || requestDone
        || client.closing()) {
      return;
    }
    // A client waiting for its 100 Continue sends nothing: the wait is the backend's, not its own.
    boolean ourWait = bodyStalled || (!informational && HttpUtil.is100ContinueExpected(request));
    if (!ourWait && bodyBytes - windowMark < bodyWindowBytes) {
      log.debug("client {} sent {} body bytes in {} ms: 408", client.clientIp(),
          bodyBytes - windowMark, TimeUnit.NANOSECONDS.toMillis(bodyWindowNanos));
      cancel(Cancel.BODY_TOO_SLOW);
      return;
    }
    bodyStalled = clientPaused || conn() == null || !attempt.headWritten;
    windowMark = bodyBytes;
    arm(Deadline.BODY, bodyWindowNanos);
  }

  /**
   * The connection ends after this exchange (a hand-off): a response whose head is not made yet
   * says Connection: close. One whose head is made keeps it; the connection then stays open for a
   * next request, which is answered with Connection: close.
   */
  void lastOnConnection() {
    if (state == State.SENDING || state == State.AWAITING_HEAD) {
      keepAlive = false;
    }
  }

  /** Drain deadline: ends the exchange if it is bound to {@code b}. */
  boolean cancelIfBoundTo(Backend b) {
    if (state == State.IDLE || attempt == null || !attempt.counts() || attempt.backend != b) {
      return false;
    }
    cancel(Cancel.DRAIN_TIMEOUT);
    return true;
  }

  /** Closes the stream if it is one bound to {@code b} (its server stopped); true if it was. */
  boolean cutStreamOf(Backend b) {
    if (attempt == null || !attempt.isStream() || attempt.backend != b) {
      return false;
    }
    endStream(RequestListener.StreamEnd.PROXY);
    return true;
  }

  /**
   * Ends a stream (a tunnel, an event stream) and its connections, both sides: whatever was
   * already read goes out first. A stream has no next request on its connection.
   */
  private void endStream(RequestListener.StreamEnd how) {
    if (streamEnd == null) {
      streamEnd = how;
    }
    writePendingHead();
    detachBackend();
    phase = Deadline.NONE;
    // Reported now, not when the close completes (later, on io_uring): whoever cut the stream
    // (a switch, a stopped server) finds it counted once its cut is done.
    end(state == State.STREAMING ? status : 0, false);
    client.cut(); // what was read goes out first; a stream has no next request on its connection
  }

  /** Why an exchange is ended before its backend is done with it. */
  private enum Cancel {
    /** A broken chunk: the body cannot be trusted, and neither can the rest of the stream. */
    BROKEN_BODY(400),
    BODY_TOO_LARGE(413),
    BODY_TOO_SLOW(408),
    /** The backend's drain timed out; the client may go on with its next request. */
    DRAIN_TIMEOUT(504);

    final int status;

    Cancel(int status) {
      this.status = status;
    }
  }

  /**
   * Ends the exchange now, for drain and for a request gone wrong alike: the backend connection is
   * closed (the backend never sees the request end), a client with part of a response sees its
   * connection close, and one without gets the reason's status.
   */
  private void cancel(Cancel why) {
    detachBackend();
    phase = Deadline.NONE;
    if (state == State.STREAMING) {
      releaseBackend(status);
      writePendingHead();
      client.cut();
      return;
    }
    if (why == Cancel.DRAIN_TIMEOUT) {
      releaseBackend(504);
      replyLocal(504);
      return;
    }
    keepAlive = false; // the rest of this client's bytes cannot be trusted
    releaseBackend(0);
    replyLocal(why.status, Replies.plain(why.status, true, isHead), true);
  }

  // ---- ending ----

  /** Who is told of this request: its site's listener, or the proxy's for a request no site took. */
  private RequestListener listener() {
    Site s = site;
    return s != null ? s.listener : proxy.fallbackListener();
  }

  private void replyLocal(int s) {
    boolean close = closeAfterLocalReply();
    replyLocal(s, Replies.plain(s, close, isHead), close);
  }

  private void replyLocal(int s, ByteBuf res, boolean close) {
    state = State.ANSWERED;
    client.write(res);
    finish(s, true, close);
  }

  /** The response is written: the exchange ends, and the connection closes or takes the next. */
  private void finish(int s, boolean proxyError, boolean close) {
    // An answer that came before the body ended: the client may still be sending, and must hear it.
    boolean stillSending = hasBody && !requestDone;
    end(s, proxyError);
    client.exchangeEnded(close, stillSending);
  }

  private boolean closeAfterLocalReply() {
    return !keepAlive || (hasBody && !requestDone);
  }

  /** Reports the exchange and resets every field for the next one: the one place that does. */
  private void end(int s, boolean proxyError) {
    Backend b = attempt == null ? null : attempt.backend;
    if (attempt != null && attempt.isStream()) {
      listener().streamEnded(b, proxy.clock.getAsLong() - start,
          streamEnd == null ? RequestListener.StreamEnd.BACKEND : streamEnd);
    } else {
      listener().completed(b, s, proxy.clock.getAsLong() - start, proxyError);
    }
    releaseBackend(s);
    streamEnd = null;
    upgradeTo = null;
    state = State.IDLE;
    request = null;
    attempt = null;
    for (int i = 0; i < tries; i++) {
      tried[i] = null;
    }
    tries = 0;
    staleRetries = 0;
    informational = false;
    streaming = false;
    clientPaused = false;
    backendPaused = false;
    flushBackend = false;
    body.clear();
    bodyBytes = 0;
    phase = Deadline.NONE;
  }

  /** The current attempt's backend connection, or null. */
  private BackendConnection conn() {
    Attempt a = attempt;
    return a == null ? null : a.conn;
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

  private static boolean idempotent(HttpMethod m) {
    return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.PUT.equals(m)
        || HttpMethod.DELETE.equals(m) || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.TRACE.equals(m);
  }
}
