package dev.nonstop.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 client connection: Netty's frame codec with the limits below, and a child channel per
 * stream, each carrying one request through a {@link ClientConnection} of its own (see {@link
 * H2Stream}). This handler ends the connection: after the idle timeout with no stream open, at a
 * hand-off, and at shutdown, each with GOAWAY, so that the client opens its next streams
 * elsewhere; streams under way finish first.
 *
 * <p>Limits, against the known floods: at most {@link #MAX_STREAMS} streams at once; a header
 * list (HEADERS with its CONTINUATION frames) of at most {@link #MAX_HEADER_LIST} bytes, past which
 * the connection ends (CONTINUATION floods, CVE-2024-27316); at most {@link #MAX_RESETS} streams
 * reset by the client in {@link #RESET_WINDOW_SECONDS} s, past which the connection ends with
 * ENHANCE_YOUR_CALM (rapid reset, CVE-2023-44487); control frames the client makes the proxy
 * answer (PING, SETTINGS) bounded in the outbound queue; flow-control windows of 64 KiB per stream
 * and per connection, so that a connection holds at most that much of request bodies the backends
 * have not taken yet.
 */
final class H2Connection extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(H2Connection.class);
  static final int MAX_STREAMS = 100;
  static final int MAX_HEADER_LIST = RequestDecoder.MAX_INITIAL_LINE + RequestDecoder.MAX_HEADER_SIZE;
  static final int MAX_RESETS = 200;
  static final int RESET_WINDOW_SECONDS = 30;
  /** Flushes of streams that make one write to the socket, at most. */
  private static final int FLUSHES_PER_WRITE = 64;

  private final Worker worker;
  private Http2FrameCodec codec;
  ChannelHandlerContext ctx;

  private H2Connection(Worker worker) {
    this.worker = worker;
  }

  /** Makes the connection of {@code p} speak HTTP/2; it is active already. */
  static void install(ChannelPipeline p, Proxy proxy, Worker worker) {
    ProxyOptions o = proxy.options();
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(MAX_STREAMS)
            .maxHeaderListSize(MAX_HEADER_LIST))
        .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
        .gracefulShutdownTimeoutMillis(-1) // GOAWAY, then streams under way finish
        .validateHeaders(true)
        .build();
    H2Connection conn = new H2Connection(worker);
    String clientIp = ClientConnection.clientIp(p.channel());
    conn.codec = codec;
    long idle = o.idleTimeout().toNanos();
    // Streams answer one by one as their backends do, each with a flush: their frames leave in
    // one write (one TLS record where they fit) at the end of the event loop's round.
    p.addLast(new FlushConsolidationHandler(FLUSHES_PER_WRITE, true),
        new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS), codec,
        new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.config().setOption(ChannelOption.AUTO_READ, false);
            ch.pipeline().addLast(new H2Stream(), new ClientConnection(proxy, worker, clientIp));
          }
        }), conn);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    worker.link(this);
    if (worker.handOff != null) {
      goAway();
    }
    ctx.read();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.fireChannelReadComplete();
    ctx.read(); // the codec takes frames as they come; each stream reads its own body when it can
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      if (codec.connection().numActiveStreams() == 0) {
        ctx.close(); // GOAWAY, then the close
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Fatal.exitOnOutOfMemory(cause);
    // The codec answered a protocol error already (RST_STREAM, or GOAWAY and the close).
    log.debug("HTTP/2 connection {}: {}", ctx.channel(), cause.toString());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    worker.unlink(this);
    ctx.fireChannelInactive();
  }

  /**
   * GOAWAY: the client sends its next requests on a new connection; streams under way finish,
   * then the connection closes.
   */
  void goAway() {
    ctx.close();
  }

  Channel channel() {
    return ctx.channel();
  }
}
