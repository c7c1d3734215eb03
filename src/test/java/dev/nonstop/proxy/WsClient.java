package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real WebSocket client (RFC 6455, Netty's handshaker and frame codecs), for tests through the
 * proxy or straight to {@link WsEchoServer} or the Node app. Messages come whole: fragmented ones
 * are put together, up to {@link WsEchoServer#MAX_MESSAGE} bytes.
 *
 * <p>Blocking methods ({@link #connect}, {@link #receive}, {@link #awaitClose}) take a timeout and
 * fail the test with a message when it passes. Any thread may use a client; its socket lives on
 * an event loop shared by all clients (daemon threads, never shut down: they outlive each test).
 */
public final class WsClient implements AutoCloseable {
  /** The end of a connection: the code and reason of the peer's Close frame, or a cut. */
  public record CloseStatus(int code, String reason) {
    /** The connection ended with no Close frame from the peer (code -1). */
    static final CloseStatus CUT = new CloseStatus(-1, "connection cut without a close frame");

    public boolean cut() {
      return code == -1;
    }

    @Override
    public String toString() {
      return cut() ? reason : code + " " + reason;
    }
  }

  /** The server answered the handshake with {@code status} rather than 101. */
  public static final class HandshakeRefused extends IOException {
    private final int status;
    private final String body;

    HandshakeRefused(int status, String body) {
      super("handshake got " + status);
      this.status = status;
      this.body = body;
    }

    int status() {
      return status;
    }

    /** The refusal's body, as text. */
    String body() {
      return body;
    }
  }

  private static final EventLoopGroup LOOP = new MultiThreadIoEventLoopGroup(2,
      new DefaultThreadFactory("ws-client", /* daemon= */ true), NioIoHandler.newFactory());

  private final Channel channel;
  private final WsClientHandler handler;

  private WsClient(Channel channel, WsClientHandler handler) {
    this.channel = channel;
    this.handler = handler;
  }

  /** Opens a WebSocket to ws://address/path, waiting at most {@code timeout} for the handshake. */
  public static WsClient connect(InetSocketAddress address, String path, Duration timeout)
      throws IOException, InterruptedException {
    return connect(address, path, new DefaultHttpHeaders(), timeout);
  }

  /**
   * Opens a WebSocket to ws://address/path with {@code headers} added to the handshake request (a
   * Host, say), waiting at most {@code timeout} for the handshake.
   *
   * @throws HandshakeRefused when the server answers with another status than 101
   * @throws IOException when the connection fails, closes or stays silent before the handshake
   */
  public static WsClient connect(InetSocketAddress address, String path, HttpHeaders headers,
      Duration timeout) throws IOException, InterruptedException {
    requireNonNull(address, "address");
    requireNonNull(path, "path");
    URI uri = URI.create("ws://" + address.getHostString() + ":" + address.getPort() + path);
    var handshaker = new WebSocketClientHandshaker13(uri, WebSocketVersion.V13, null,
        /* allowExtensions= */ false, headers, WsEchoServer.MAX_MESSAGE);
    WsClientHandler handler = new WsClientHandler(handshaker);
    Channel channel = new Bootstrap()
        .group(LOOP)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketFrameAggregator(WsEchoServer.MAX_MESSAGE), handler);
          }
        })
        .connect(address)
        .addListener(f -> {
          if (!f.isSuccess()) {
            handler.failHandshake(f.cause());
          }
        })
        .channel();
    try {
      handler.handshake().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      channel.close();
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("handshake with " + uri + " failed", e.getCause());
    } catch (TimeoutException e) {
      channel.close();
      throw new IOException("no handshake with " + uri + " within " + timeout);
    }
    return new WsClient(channel, handler);
  }

  /** Sends a text message in one frame; does not wait for it to be written. */
  public void send(String text) {
    write(new TextWebSocketFrame(text));
  }

  /** Sends a binary message in one frame; does not wait for it to be written. */
  public void sendBinary(byte[] data) {
    write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data)));
  }

  /** Sends one text message as a first frame and continuation frames, one per part. */
  public void sendFragmented(String... parts) {
    if (parts.length < 2) {
      throw new IllegalArgumentException("parts: " + parts.length + " (expected: >= 2)");
    }
    requireOpen();
    for (int i = 0; i < parts.length; i++) {
      var data = Unpooled.copiedBuffer(parts[i], StandardCharsets.UTF_8);
      boolean last = i == parts.length - 1;
      channel.write(i == 0 ? new TextWebSocketFrame(false, 0, data)
          : new ContinuationWebSocketFrame(last, 0, data));
    }
    channel.flush();
  }

  private void write(WebSocketFrame frame) {
    requireOpen();
    channel.writeAndFlush(frame);
  }

  private void requireOpen() {
    if (!channel.isActive()) {
      throw new IllegalStateException("the WebSocket is closed (" + handler.closeStatus() + ")");
    }
  }

  /** The next text message; fails if it is binary, or none comes within {@code timeout}. */
  public String receive(Duration timeout) throws InterruptedException {
    return handler.next(timeout, String.class);
  }

  /** The next binary message; fails if it is text, or none comes within {@code timeout}. */
  public byte[] receiveBinary(Duration timeout) throws InterruptedException {
    return handler.next(timeout, byte[].class);
  }

  /**
   * Waits for the peer to end the connection: the code and reason of its Close frame, or {@link
   * CloseStatus#CUT} when the connection ended without one. Messages not yet received are
   * skipped, not lost.
   */
  public CloseStatus awaitClose(Duration timeout) throws InterruptedException {
    try {
      return handler.closed().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the WebSocket is still open after " + timeout);
    }
  }

  /** True until the connection ends (its TCP connection, not just the Close frame). */
  public boolean isOpen() {
    return channel.isActive();
  }

  /** False while the client's own writes wait for the peer to read: backpressure reached it. */
  public boolean isWritable() {
    return channel.isWritable();
  }

  /** Stops reading the socket: a slow reader, so that the peer's writes back up. */
  public void pauseReading() {
    channel.config().setAutoRead(false);
  }

  public void resumeReading() {
    channel.config().setAutoRead(true);
  }

  /** Closes the TCP connection at once, with no Close frame: a client that vanished. */
  public void cut() {
    channel.close().syncUninterruptibly();
  }

  /**
   * Closes politely: a Close frame with 1000, then waits a little for the peer to close the
   * connection, as RFC 6455 has the server do, before closing it anyway.
   */
  @Override
  public void close() {
    if (channel.isActive() && !handler.closed().isDone()) {
      handler.closeSent();
      channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
      channel.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    channel.close().syncUninterruptibly();
  }

  @Override
  public String toString() {
    return "WsClient" + channel.localAddress() + "->" + channel.remoteAddress();
  }
}
