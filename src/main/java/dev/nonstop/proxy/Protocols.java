package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up what a new client connection speaks, from the proxy's {@link FrontDoor}: HTTP/1.1 at
 * once on a plain listener; with TLS, the certificate the client's SNI names, then HTTP/2 or
 * HTTP/1.1 as ALPN agreed; with h2c, HTTP/2 if the connection opens with its preface.
 */
final class Protocols {
  private static final Logger log = LoggerFactory.getLogger(Protocols.class);
  /** A ClientHello longer than this ends the connection (Netty's default bound is 16 MiB). */
  private static final int MAX_CLIENT_HELLO = 16 * 1024;

  private Protocols() {}

  /** Called for each accepted connection, before it is active. */
  static void init(Channel ch, Proxy proxy, Worker worker) {
    FrontDoor front = proxy.options().front();
    ChannelPipeline p = ch.pipeline();
    if (front.tls() != null) {
      // The TLS handshake has the request-header timeout: a client that starts one and stalls
      // holds a connection no longer than one that stalls in a request head.
      long handshakeMillis = proxy.options().requestHeaderTimeout().toMillis();
      p.addLast(new SniHandler(front.tls(), MAX_CLIENT_HELLO, handshakeMillis),
          new Alpn(proxy, worker));
    } else if (front.h2c()) {
      p.addLast(new Preface(proxy, worker));
    } else {
      http1(p, new ClientConnection(proxy, worker));
    }
  }

  /** Requests are decoded by Netty; responses leave as bytes the exchange wrote. */
  private static void http1(ChannelPipeline p, ClientConnection client) {
    p.addLast(new RequestDecoder(client, client.proxy.options().limits().maxBody()), client);
  }

  /** Puts HTTP/2 or HTTP/1.1 in place on a connection that is active already. */
  private static void speak(ChannelPipeline p, Proxy proxy, Worker worker, boolean h2) {
    if (h2) {
      H2Connection.install(p, proxy, worker);
    } else {
      ClientConnection client = new ClientConnection(proxy, worker);
      http1(p, client);
      client.begin();
    }
  }

  /** Reads the first bytes: the handshake's handlers read on from there on their own. */
  private static final class Alpn extends ApplicationProtocolNegotiationHandler {
    private final Proxy proxy;
    private final Worker worker;

    Alpn(Proxy proxy, Worker worker) {
      super(ApplicationProtocolNames.HTTP_1_1);
      this.proxy = proxy;
      this.worker = worker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      ctx.read();
      super.channelActive(ctx);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      speak(ctx.pipeline(), proxy, worker, ApplicationProtocolNames.HTTP_2.equals(protocol));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Fatal.exitOnOutOfMemory(cause);
      // no certificate for the name (none yet, while ACME's first order runs), or garbage
      log.debug("TLS connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }

  /**
   * On a plain listener with h2c on: a connection that opens with HTTP/2's preface speaks HTTP/2,
   * any other speaks HTTP/1.1. Decides on the first bytes, then leaves the pipeline, handing them
   * on.
   */
  private static final class Preface extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
    private final Proxy proxy;
    private final Worker worker;

    Preface(Proxy proxy, Worker worker) {
      this.proxy = proxy;
      this.worker = worker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      ctx.read();
      super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean h2 = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
      if (h2 && n < PREFACE.readableBytes()) {
        return; // so far it may be the preface: more bytes decide
      }
      ChannelPipeline p = ctx.pipeline();
      speak(p, proxy, worker, h2);
      p.remove(this); // hands on what it read to the protocol's decoder
    }
  }
}
