package dev.nonstop.proxy;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * {@link WsClient}'s handler, last in its pipeline: finishes the handshake, then queues whole
 * messages (a {@code String} or a {@code byte[]}) for the test thread, answers pings and the
 * peer's Close frame. Runs on the client's event loop; the queue and futures are what other
 * threads read.
 */
final class WsClientHandler extends SimpleChannelInboundHandler<Object> {
  private final WebSocketClientHandshaker handshaker;
  private final CompletableFuture<Void> handshake = new CompletableFuture<>();
  private final CompletableFuture<WsClient.CloseStatus> closed = new CompletableFuture<>();
  /** Messages in arrival order; the connection's CloseStatus last, once it ended. */
  private final BlockingDeque<Object> inbox = new LinkedBlockingDeque<>();
  /** Set by {@link WsClient#close()} on its thread before it writes its Close frame. */
  private volatile boolean closeSent;

  WsClientHandler(WebSocketClientHandshaker handshaker) {
    this.handshaker = handshaker;
  }

  CompletableFuture<Void> handshake() {
    return handshake;
  }

  /** Completes with the peer's Close frame, or {@link WsClient.CloseStatus#CUT}. */
  CompletableFuture<WsClient.CloseStatus> closed() {
    return closed;
  }

  String closeStatus() {
    return closed.isDone() ? closed.join().toString() : "no close frame yet";
  }

  /** Fails the handshake (a failed connect, say); no-op once it is done. */
  void failHandshake(Throwable cause) {
    handshake.completeExceptionally(cause);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    handshaker.handshake(ctx.channel()).addListener(f -> {
      if (!f.isSuccess()) {
        failHandshake(f.cause());
      }
    });
    super.channelActive(ctx);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
    if (!handshaker.isHandshakeComplete()) {
      finishHandshake(ctx, (FullHttpResponse) msg);
    } else if (msg instanceof TextWebSocketFrame text) {
      inbox.add(text.text());
    } else if (msg instanceof BinaryWebSocketFrame binary) {
      inbox.add(ByteBufUtil.getBytes(binary.content()));
    } else if (msg instanceof PingWebSocketFrame ping) {
      ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
    } else if (msg instanceof CloseWebSocketFrame close) {
      peerClosed(ctx, close);
    } else if (!(msg instanceof PongWebSocketFrame)) {
      throw new IllegalStateException("unexpected " + msg);
    }
  }

  private void finishHandshake(ChannelHandlerContext ctx, FullHttpResponse response) {
    int status = response.status().code();
    if (status != 101) {
      failHandshake(new WsClient.HandshakeRefused(status,
          response.content().toString(StandardCharsets.UTF_8)));
      ctx.close();
      return;
    }
    try {
      handshaker.finishHandshake(ctx.channel(), response);
      handshake.complete(null);
    } catch (WebSocketHandshakeException e) {
      failHandshake(new IOException("bad handshake response: " + e.getMessage(), e));
      ctx.close();
    }
  }

  private void peerClosed(ChannelHandlerContext ctx, CloseWebSocketFrame close) {
    // a Close frame with no body carries no code: RFC 6455 calls that 1005
    int code = close.statusCode() == -1 ? 1005 : close.statusCode();
    boolean first = closed.complete(new WsClient.CloseStatus(code, close.reasonText()));
    if (first && !closeSent) {
      // answer it, as RFC 6455 asks; the server then closes the TCP connection
      ctx.writeAndFlush(new CloseWebSocketFrame(code == 1005 ? 1000 : code, ""));
    }
  }

  /** Records that this side sent a Close frame: the peer's answer needs no answer. */
  void closeSent() {
    closeSent = true;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    failHandshake(new IOException("the connection closed during the handshake"));
    closed.complete(WsClient.CloseStatus.CUT);
    inbox.add(closed.join());
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failHandshake(cause);
    // an error is not a cut: say which, so that a test's failure names it
    closed.complete(new WsClient.CloseStatus(-1, "connection closed after an error: " + cause));
    ctx.close();
  }

  /** The next message of type {@code type}, waiting at most {@code timeout}. */
  <T> T next(Duration timeout, Class<T> type) throws InterruptedException {
    Object next = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (next == null) {
      throw new AssertionError("no message within " + timeout);
    }
    if (next instanceof WsClient.CloseStatus status) {
      inbox.addFirst(status); // it stays the last thing this connection says
      throw new AssertionError("the WebSocket ended (" + status + ") before a message came");
    }
    if (!type.isInstance(next)) {
      throw new AssertionError("expected a " + (type == String.class ? "text" : "binary")
          + " message, got " + describe(next));
    }
    return type.cast(next);
  }

  private static String describe(Object message) {
    return message instanceof byte[] b ? "binary of " + b.length + " bytes"
        : "text of " + ((String) message).length() + " chars";
  }
}
