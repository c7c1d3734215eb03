package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * {@link WsEchoServer}'s per-socket handler, after the handshake and the frame aggregator: echoes
 * whole messages, answers "who" with the server's name, and reads only while its echoes get
 * written. One instance per socket, used on that socket's event loop only.
 */
final class WsEcho extends SimpleChannelInboundHandler<WebSocketFrame> {
  private final WsEchoServer server;

  WsEcho(WsEchoServer server) {
    this.server = server;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
      server.opened(ctx.channel(), done.requestHeaders());
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    // the aggregator before this handler hands over whole messages only: text or binary
    boolean text = frame instanceof TextWebSocketFrame;
    if (text && ((TextWebSocketFrame) frame).text().equals("who")) {
      ctx.writeAndFlush(new TextWebSocketFrame(server.name()));
    } else {
      echo(ctx, frame.content(), text);
    }
    // stop reading until the peer takes what we wrote (channelWritabilityChanged resumes)
    if (!ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  private void echo(ChannelHandlerContext ctx, ByteBuf content, boolean text) {
    int size = server.fragmentSize();
    if (size == 0 || content.readableBytes() <= size) {
      ctx.writeAndFlush(frame(/* first= */ true, text, /* last= */ true, content.retain()));
      return;
    }
    boolean first = true;
    while (content.isReadable()) {
      ByteBuf part = content.readRetainedSlice(Math.min(size, content.readableBytes()));
      ctx.write(frame(first, text, /* last= */ !content.isReadable(), part));
      first = false;
    }
    ctx.flush();
  }

  private static WebSocketFrame frame(boolean first, boolean text, boolean last, ByteBuf data) {
    if (!first) {
      return new ContinuationWebSocketFrame(last, 0, data);
    }
    return text ? new TextWebSocketFrame(last, 0, data) : new BinaryWebSocketFrame(last, 0, data);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    Channel ch = ctx.channel();
    if (ch.isWritable() && !server.paused()) {
      ch.config().setAutoRead(true);
    }
    super.channelWritabilityChanged(ctx);
  }
}
