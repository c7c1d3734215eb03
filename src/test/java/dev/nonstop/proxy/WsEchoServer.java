package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Health;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket echo server on 127.0.0.1:0, on Netty's server codec, for the proxy's Upgrade
 * tests. It is also an ordinary HTTP backend: a GET on any other path (such as {@code /health})
 * answers 200 "hello NAME".
 *
 * <p>On its WebSocket path ({@link #PATH} unless given) it echoes every text and binary message
 * (fragmented ones whole), except the text "who", which it answers with its name: a test tells
 * which backend answered by asking. Messages may be up to {@link #MAX_MESSAGE} bytes.
 *
 * <p>It honours backpressure as Netty's proxy example does: while a socket's echoes are not
 * written (its peer reads slower than it sends), it stops reading that socket. {@link
 * #pauseReading()} stops reading every socket regardless, to play a slow backend.
 *
 * <p>All methods may be called from any thread; the sockets live on the server's one event loop.
 */
final class WsEchoServer implements AutoCloseable {
  static final String PATH = "/ws";
  /** Large enough for the tests' 1 MiB messages, small enough to bound a bad test's memory. */
  static final int MAX_MESSAGE = 4 * 1024 * 1024;

  private final String name;
  private final String path;
  private final EventLoopGroup group;
  private final Channel listener;
  /** The open WebSockets (handshake done); a socket leaves the group when it closes. */
  private final ChannelGroup sockets = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger httpRequests = new AtomicInteger();
  private final List<HttpHeaders> handshakes = new CopyOnWriteArrayList<>();
  private volatile boolean paused;
  private volatile int refuseStatus;
  private volatile int fragmentSize;

  private WsEchoServer(String name, String path) throws InterruptedException {
    this.name = requireNonNull(name, "name");
    this.path = requireNonNull(path, "path");
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ws-echo-" + name, true),
        NioIoHandler.newFactory());
    try {
      listener = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 256)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              pipeline(ch.pipeline());
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Starts a server named {@code name} (a version, say) with its WebSocket on {@link #PATH}. */
  static WsEchoServer start(String name) throws InterruptedException {
    return new WsEchoServer(name, PATH);
  }

  /** Starts a server named {@code name} with its WebSocket on {@code path}. */
  static WsEchoServer start(String name, String path) throws InterruptedException {
    return new WsEchoServer(name, path);
  }

  private void pipeline(ChannelPipeline p) {
    p.addLast(new HttpServerCodec());
    p.addLast(new HttpObjectAggregator(64 * 1024));
    p.addLast(new PlainHttp());
    p.addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
        .websocketPath(path)
        .maxFramePayloadLength(MAX_MESSAGE)
        // a peer that never answers our Close frame still loses its socket, so tests end
        .forceCloseTimeoutMillis(3_000)
        // closing a socket sends no Close frame (Netty's default sends 1000): closeAll sends one
        .sendCloseFrame(null)
        .build()));
    p.addLast(new WebSocketFrameAggregator(MAX_MESSAGE));
    p.addLast(new WsEcho(this));
  }

  String name() {
    return name;
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** This server as an UP backend of a pool, labelled with its name. */
  Backend backend() {
    return new Backend(address(), name, Health.UP);
  }

  /** WebSockets open now (handshake done, not yet closed). */
  int openSockets() {
    return sockets.size();
  }

  /** Open WebSockets whose echoes wait for their peer to read: this server stopped reading them. */
  int unwritableSockets() {
    return (int) sockets.stream().filter(ch -> !ch.isWritable()).count();
  }

  /** Plain HTTP requests answered (not the WebSocket handshakes). */
  int httpRequests() {
    return httpRequests.get();
  }

  /** The request headers of every WebSocket handshake accepted so far, oldest first. */
  List<HttpHeaders> handshakes() {
    return List.copyOf(handshakes);
  }

  /** Sends a Close frame with {@code code} to every open socket, as an app does on SIGTERM. */
  void closeAll(int code) {
    closeAll(code, code == 1001 ? "going away" : "");
  }

  void closeAll(int code, String reason) {
    sockets.writeAndFlush(new CloseWebSocketFrame(code, reason));
  }

  /** Closes every open socket's connection at once, with no Close frame: a crashed app. */
  void cutAll() {
    sockets.close();
  }

  /** Sends the text {@code text} to every open socket, unasked: a server push. */
  void broadcast(String text) {
    sockets.writeAndFlush(new TextWebSocketFrame(text));
  }

  /** Stops reading every socket, now and as they open, until {@link #resumeReading()}. */
  void pauseReading() {
    paused = true;
    sockets.forEach(ch -> ch.config().setAutoRead(false));
  }

  void resumeReading() {
    paused = false;
    sockets.forEach(ch -> ch.config().setAutoRead(ch.isWritable()));
  }

  /**
   * Answers every handshake on the WebSocket path with {@code status} (a 503, say) instead of a
   * 101; 0 accepts them again.
   */
  void refuseHandshakes(int status) {
    refuseStatus = status;
  }

  /**
   * Sends echoes longer than {@code bytes} as a first frame and continuation frames of that size;
   * 0 (the default) sends each echo as one frame.
   */
  void fragmentEchoes(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
    }
    fragmentSize = bytes;
  }

  boolean paused() {
    return paused;
  }

  int fragmentSize() {
    return fragmentSize;
  }

  /** Called on the event loop once a socket's handshake is done. */
  void opened(Channel ch, HttpHeaders headers) {
    handshakes.add(headers);
    sockets.add(ch);
    if (paused) {
      ch.config().setAutoRead(false);
    }
  }

  /** Stops listening and cuts every socket (no Close frame: {@link #closeAll} sends those). */
  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    sockets.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Answers whatever is not a handshake on the WebSocket path: other paths get 200 "hello NAME",
   * and handshakes get {@link #refuseHandshakes(int) the refusal} when one is set.
   */
  private final class PlainHttp extends SimpleChannelInboundHandler<FullHttpRequest> {
    PlainHttp() {
      super(/* autoRelease= */ false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean websocketPath = new QueryStringDecoder(request.uri()).path().equals(path);
      int refuse = refuseStatus;
      if (websocketPath && refuse == 0) {
        ctx.fireChannelRead(request);
        return;
      }
      try {
        if (websocketPath) {
          respond(ctx, request, HttpResponseStatus.valueOf(refuse), "refused by " + name);
        } else {
          httpRequests.incrementAndGet();
          respond(ctx, request, HttpResponseStatus.OK, "hello " + name);
        }
      } finally {
        request.release();
      }
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest request,
        HttpResponseStatus status, String body) {
      ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(request.protocolVersion(), status, content);
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      HttpUtil.setContentLength(response, content.readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (!keepAlive) {
        written.addListener(f -> ctx.close());
      }
    }
  }
}
