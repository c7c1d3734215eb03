package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 client connection: Netty's HTTP/2 codec with the limits below, whose frames this
 * handler hands to the connection's {@link H2Stream}s, one per request. No channel and no frame
 * object is made per stream: the streams write their frames through the codec's encoder. This
 * handler ends the connection: after the idle timeout with no stream open, at a hand-off, and at
 * shutdown, each with GOAWAY, so that the client opens its next streams elsewhere; streams under
 * way finish first.
 *
 * <p>Limits, against the known floods: at most {@link #MAX_STREAMS} streams at once; a header
 * list (HEADERS with its CONTINUATION frames) of at most {@link #MAX_HEADER_LIST} bytes, past which
 * the connection ends (CONTINUATION floods, CVE-2024-27316); at most {@link #MAX_RESETS} streams
 * reset by the client in {@link #RESET_WINDOW_SECONDS} s, past which the connection ends with
 * ENHANCE_YOUR_CALM (rapid reset, CVE-2023-44487); control frames the client makes the proxy
 * answer (PING, SETTINGS) bounded in the outbound queue; flow-control windows of 64 KiB per stream
 * and per connection, so that a connection holds at most that much of request bodies the backends
 * have not taken yet.
 *
 * <p>Event-loop confined, with its streams and their exchanges.
 */
final class H2Connection extends Http2ConnectionHandler
    implements Http2FrameListener, Http2RemoteFlowController.Listener {
  private static final Logger log = LoggerFactory.getLogger(H2Connection.class);
  static final int MAX_STREAMS = 100;
  static final int MAX_HEADER_LIST = RequestDecoder.MAX_INITIAL_LINE + RequestDecoder.MAX_HEADER_SIZE;
  static final int MAX_RESETS = 200;
  static final int RESET_WINDOW_SECONDS = 30;
  /** Stream objects a connection keeps for its next streams, at most. */
  private static final int SPARE_STREAMS = 8;
  /** How long the first GOAWAY's PING may take to come back before the second GOAWAY goes. */
  static final long GOAWAY_ROUND_TRIP_MILLIS = 1000;
  /** The PING sent after the first GOAWAY. */
  private static final long GOAWAY_PING = 0x676f6177L;
  /** Flushes of streams that make one write to the socket, at most. */
  private static final int FLUSHES_PER_WRITE = 64;

  final Proxy proxy;
  final Worker worker;
  final String clientIp;
  final boolean secure;
  private final Http2Connection.PropertyKey streamKey;
  /** Stream objects of streams that ended, for the next ones: a stream then allocates none. */
  private final ArrayDeque<H2Stream> spare = new ArrayDeque<>(SPARE_STREAMS);
  ChannelHandlerContext ctx;
  /** The second GOAWAY went out: the connection closes once its streams end. */
  private boolean lastGoAwaySent;

  private H2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, Proxy proxy, Worker worker, String clientIp) {
    super(decoder, encoder, settings);
    this.proxy = proxy;
    this.worker = worker;
    this.clientIp = clientIp;
    this.secure = proxy.options().front().secure();
    this.streamKey = connection().newKey();
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        H2Stream s = stream.removeProperty(streamKey);
        if (s != null) {
          s.closed(); // its exchange ends with it
          if (spare.size() < SPARE_STREAMS) {
            spare.push(s);
          }
        }
      }
    });
    encoder.flowController().listener(this);
  }

  /** Makes the connection of {@code p} speak HTTP/2; it is active already. */
  static void install(ChannelPipeline p, Proxy proxy, Worker worker) {
    H2Connection conn = new Builder(proxy, worker, ClientConnection.clientIp(p.channel())).build();
    long idle = proxy.options().idleTimeout().toNanos();
    // Streams answer one by one as their backends do, each with a flush: their frames leave in
    // one write (one TLS record where they fit) at the end of the event loop's round.
    p.addLast(new FlushConsolidationHandler(FLUSHES_PER_WRITE, true),
        new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS), conn);
  }

  private static final class Builder
      extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, Builder> {
    private final Proxy proxy;
    private final Worker worker;
    private final String clientIp;

    Builder(Proxy proxy, Worker worker, String clientIp) {
      this.proxy = proxy;
      this.worker = worker;
      this.clientIp = clientIp;
      // Streams share the connection's window evenly: clients no longer send priorities (RFC
      // 9113, 5.3), and the even share costs less per stream than the weighted tree.
      DefaultHttp2Connection h2 = new DefaultHttp2Connection(/* server= */ true);
      h2.remote().flowController(
          new DefaultHttp2RemoteFlowController(h2, new UniformStreamByteDistributor(h2)));
      connection(h2);
      initialSettings(Http2Settings.defaultSettings()
          .maxConcurrentStreams(MAX_STREAMS)
          .maxHeaderListSize(MAX_HEADER_LIST));
      decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS);
      gracefulShutdownTimeoutMillis(-1); // GOAWAY, then streams under way finish
      validateHeaders(true);
    }

    @Override
    protected H2Connection build() {
      return super.build();
    }

    @Override
    protected H2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings settings) {
      H2Connection conn = new H2Connection(decoder, encoder, settings, proxy, worker, clientIp);
      frameListener(conn);
      return conn;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    this.ctx = ctx;
    worker.link(this);
    if (worker.handOff != null) {
      goAway();
    }
    ctx.read();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    worker.unlink(this);
    super.channelInactive(ctx); // closes the streams left: their exchanges hear of it
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      if (connection().numActiveStreams() == 0) {
        goAway();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    Fatal.exitOnOutOfMemory(cause);
    log.debug("HTTP/2 connection {}: {}", ctx.channel(), cause.toString());
    // A protocol error is answered as HTTP/2 says (RST_STREAM, or GOAWAY and the close); any
    // other ends the connection with GOAWAY.
    onError(ctx, /* outbound= */ false, cause);
  }

  // ---- for the worker ----

  /**
   * GOAWAY in two steps (RFC 9113, 6.8): the client sends its next requests on a new connection;
   * streams under way finish, then the connection closes. The first GOAWAY names no last stream,
   * as the client may have sent streams it had not read the GOAWAY for yet; a PING follows it.
   * When the PING comes back, those streams have arrived, and a second GOAWAY names the last
   * stream taken: any later one is refused, and the client may retry it elsewhere. A client that
   * does not answer the PING gets the second GOAWAY after {@link #GOAWAY_ROUND_TRIP_MILLIS}.
   */
  void goAway() {
    if (connection().goAwaySent() || !ctx.channel().isActive()) {
      return; // going away already
    }
    goAway(ctx, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
        ctx.newPromise());
    encoder().writePing(ctx, false, GOAWAY_PING, ctx.newPromise());
    flush(ctx);
    ctx.executor().schedule(this::lastGoAway, GOAWAY_ROUND_TRIP_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** The second GOAWAY: it names the last stream taken; the connection closes once they end. */
  private void lastGoAway() {
    if (lastGoAwaySent || !ctx.channel().isActive()) {
      return; // the PING came back, and then the time was up (or the other way round)
    }
    lastGoAwaySent = true;
    goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
        Unpooled.EMPTY_BUFFER, ctx.newPromise());
    try {
      close(ctx, ctx.newPromise()); // the codec's graceful close: after the streams under way
    } catch (Exception e) {
      ctx.channel().close();
    }
  }

  /**
   * Closes the connection now, streams under way or not (a hand-off's deadline passed): no
   * GOAWAY wait. Its streams close with it, and their exchanges hear of it.
   */
  void cut() {
    ctx.close(); // from this handler on toward the socket: past the codec's graceful close
  }

  /** Runs {@code action} on each stream's exchange (it may end them); returns how many said true. */
  int forEachExchange(Predicate<Exchange> action) {
    int[] n = {0};
    try {
      connection().forEachActiveStream(stream -> {
        H2Stream s = stream.getProperty(streamKey);
        if (s != null && action.test(s.exchange)) {
          n[0]++;
        }
        return true;
      });
    } catch (Http2Exception e) {
      log.debug("HTTP/2 connection {}: {}", ctx.channel(), e.toString());
    }
    return n[0];
  }

  // ---- for the streams ----

  void writeHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
    encoder().writeHeaders(ctx, stream.id(), headers, 0, endStream, ctx.newPromise());
  }

  void writeData(Http2Stream stream, ByteBuf data, boolean endStream) {
    encoder().writeData(ctx, stream.id(), data, 0, endStream, ctx.newPromise());
  }

  /** Sends what the streams wrote, as far as their windows allow. */
  void flush() {
    flush(ctx);
  }

  /** Whether {@code stream} can take more of its response now: its window, the connection's, the socket's. */
  boolean writable(Http2Stream stream) {
    return encoder().flowController().isWritable(stream);
  }

  /** Gives {@code n} request-body bytes of {@code stream} back to the client's windows. */
  void consumed(Http2Stream stream, int n) {
    try {
      if (decoder().flowController().consumeBytes(stream, n)) {
        flush(ctx); // a WINDOW_UPDATE is on its way
      }
    } catch (Http2Exception e) {
      onError(ctx, /* outbound= */ true, e);
    }
  }

  void reset(Http2Stream stream, Http2Error error) {
    resetStream(ctx, stream.id(), error.code(), ctx.newPromise());
    flush(ctx);
  }

  /** Resets {@code stream} with NO_ERROR if its response is out of the flow controller already. */
  void resetOnceSent(Http2Stream stream) {
    if (!encoder().flowController().hasFlowControlled(stream)) {
      reset(stream, Http2Error.NO_ERROR);
    }
  }

  // ---- from the client: frames ----

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
      int padding, boolean endOfStream) {
    Http2Stream stream = connection().stream(streamId);
    if (stream == null) {
      return;
    }
    H2Stream s = stream.getProperty(streamKey);
    if (s == null) {
      s = spare.poll();
      if (s == null) {
        s = new H2Stream(this);
      }
      s.open(stream);
      stream.setProperty(streamKey, s);
    }
    s.headersRead(headers, endOfStream);
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
      int streamDependency, short weight, boolean exclusive, int padding, boolean endOfStream) {
    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
      boolean endOfStream) {
    Http2Stream stream = connection().stream(streamId);
    H2Stream s = stream == null ? null : stream.getProperty(streamKey);
    return s == null ? data.readableBytes() + padding : s.dataRead(data, padding, endOfStream);
  }

  // The codec answers the others itself (SETTINGS and PING acks, resets, window updates).

  @Override
  public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency,
      short weight, boolean exclusive) {}

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {}

  @Override
  public void onSettingsAckRead(ChannelHandlerContext ctx) {}

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {}

  @Override
  public void onPingRead(ChannelHandlerContext ctx, long data) {}

  @Override
  public void onPingAckRead(ChannelHandlerContext ctx, long data) {
    if (data == GOAWAY_PING && connection().goAwaySent()) {
      lastGoAway();
    }
  }

  @Override
  public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
      Http2Headers headers, int padding) {}

  @Override
  public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
      ByteBuf debugData) {}

  @Override
  public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {}

  @Override
  public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId,
      Http2Flags flags, ByteBuf payload) {}

  // ---- from the client: room for responses ----

  /**
   * The connection can take more: every stream that can now goes on. The flow controller's own
   * notice ({@link #writabilityChanged}) does not do for this: it sees only the writability it
   * finds when the event comes, and a stream paused by a full socket that emptied again before
   * then would wait for a notice that never comes.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    super.channelWritabilityChanged(ctx);
    if (ctx.channel().isWritable()) {
      try {
        connection().forEachActiveStream(stream -> {
          writabilityChanged(stream);
          return true;
        });
      } catch (Http2Exception e) {
        onError(ctx, /* outbound= */ true, e);
      }
    }
  }

  @Override
  public void writabilityChanged(Http2Stream stream) {
    H2Stream s = stream.getProperty(streamKey);
    if (s != null && writable(stream)) {
      s.exchange.clientWritable();
    }
  }
}
