import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's WebSocket backend: echoes every text or binary message on the connection it came
 * from. Usage: {@code WsEcho THREADS HOST:PORT...}; every address serves any path. Netty over epoll,
 * THREADS event loops shared by all ports. It answers plain HTTP GETs without an upgrade with 400,
 * and closes on a close frame; pings are answered by Netty's protocol handler.
 */
public final class WsEcho {
  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[0]);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
        .websocketPath("/").checkStartsWith(true).maxFramePayloadLength(16 << 20)
        .withUTF8Validator(false).handshakeTimeoutMillis(10_000).build();
    List<Channel> listeners = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      InetSocketAddress at = new InetSocketAddress(args[i].substring(0, colon),
          Integer.parseInt(args[i].substring(colon + 1)));
      listeners.add(new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                  new WebSocketServerProtocolHandler(ws), new Echo());
            }
          }).bind(at).sync().channel());
    }
    System.out.println("ws-echo: listening on " + String.join(" ", List.of(args).subList(1, args.length)));
    for (Channel listener : listeners) listener.closeFuture().sync();
  }

  /** Writes each data frame back as it came; flushes once per read burst. */
  static final class Echo extends ChannelInboundHandlerAdapter {
    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof WebSocketFrame) ctx.write(msg);
      else ctx.fireChannelRead(msg);
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
