package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain-HTTP listener beside a TLS one: it answers ACME's HTTP-01 challenges
 * ({@code /.well-known/acme-challenge/TOKEN}) and sends every other request to the same host and
 * path over HTTPS with 308 (which keeps the method and body). Runs on the proxy's event loops.
 */
public final class RedirectServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedirectServer.class);
  static final String CHALLENGE_PREFIX = "/.well-known/acme-challenge/";
  /** A Host header: a name or an address, and an optional port; nothing that could bend a URL. */
  private static final Pattern HOST = Pattern.compile(
      "(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?");

  private final Channel server;

  private RedirectServer(Channel server) {
    this.server = server;
  }

  /**
   * Listens on {@code at} on {@code proxy}'s event loops.
   *
   * @param httpsPort the TLS listener's port, put in the redirect unless it is 443
   * @param challenges the answer to a request path under {@code /.well-known/acme-challenge/} (the
   *     key authorization), or null if it names no challenge under way
   * @throws RuntimeException as Netty's bind does, if the port is taken
   */
  public static RedirectServer start(Proxy proxy, InetSocketAddress at, int httpsPort,
      Function<String, String> challenges) {
    requireNonNull(challenges, "challenges");
    long idle = proxy.options().requestHeaderTimeout().toNanos();
    ServerBootstrap b = new ServerBootstrap()
        .group(proxy.group())
        .channel(proxy.serverChannelClass())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOCATOR, Proxy.ALLOCATOR)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(
                new IdleStateHandler(0, 0, idle, java.util.concurrent.TimeUnit.NANOSECONDS),
                new HttpServerCodec(8192, 16 * 1024, 8192),
                new Redirects(httpsPort, challenges));
          }
        });
    Channel ch = b.bind(at).syncUninterruptibly().channel();
    log.info("redirecting plain HTTP on {} to HTTPS (and answering ACME challenges)",
        ch.localAddress());
    return new RedirectServer(ch);
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }

  private static final class Redirects extends ChannelInboundHandlerAdapter {
    private final int httpsPort;
    private final Function<String, String> challenges;

    Redirects(int httpsPort, Function<String, String> challenges) {
      this.httpsPort = httpsPort;
      this.challenges = challenges;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest req) {
          answer(ctx, req);
        }
      } finally {
        ReferenceCountUtil.release(msg); // bodies are not read: the answer does not depend on them
      }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
      if (req.decoderResult().isFailure()) {
        send(ctx, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"), false);
        return;
      }
      String path = req.uri();
      if (path.startsWith(CHALLENGE_PREFIX)
          && (req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD))) {
        String answer = challenges.apply(path);
        if (answer == null) {
          send(ctx, text(HttpResponseStatus.NOT_FOUND, "no such challenge\n"), keepAlive);
        } else {
          log.info("answered the ACME challenge {} for {}", path, req.headers().get(HttpHeaderNames.HOST));
          send(ctx, text(HttpResponseStatus.OK, answer), keepAlive);
        }
        return;
      }
      String host = req.headers().get(HttpHeaderNames.HOST);
      if (host == null || !HOST.matcher(host).matches()) {
        send(ctx, text(HttpResponseStatus.BAD_REQUEST,
            "this address redirects to HTTPS, and needs a Host header to know where to\n"), false);
        return;
      }
      String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
          : host.split(":")[0];
      String target = "https://" + name.toLowerCase(Locale.ROOT)
          + (httpsPort == 443 ? "" : ":" + httpsPort) + (path.startsWith("/") ? path : "/");
      try {
        URI.create(target); // a path that makes no URL is not sent back
      } catch (IllegalArgumentException e) {
        send(ctx, text(HttpResponseStatus.BAD_REQUEST, "bad request target\n"), false);
        return;
      }
      FullHttpResponse r = text(HttpResponseStatus.PERMANENT_REDIRECT, "see " + target + "\n");
      r.headers().set(HttpHeaderNames.LOCATION, target);
      send(ctx, r, keepAlive);
    }

    private static FullHttpResponse text(HttpResponseStatus s, String body) {
      ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, b);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, b.readableBytes());
      return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
      if (!keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(r, ctx.voidPromise());
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Fatal.exitOnOutOfMemory(cause);
      ctx.close();
    }
  }
}
