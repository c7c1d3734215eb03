package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection to a backend: idle in its event loop's pool, or serving the one exchange of
 * {@link #exchange}. Runs on the event loop of the client connection it serves (the connection was
 * opened there), so the two sides talk by plain calls. Its bytes go through {@link #reader},
 * which hands the exchange the response as it comes.
 */
final class BackendConnection extends ChannelInboundHandlerAdapter {
  private final Worker worker;
  private final Backend backend;
  final ResponseReader reader = new ResponseReader(Proxy.ALLOCATOR);
  private Channel channel;
  /** The client side this connection serves now; null while idle. */
  Exchange exchange;
  boolean inPool;
  long idleSince;
  private Throwable failure;

  BackendConnection(Worker worker, Backend backend) {
    this.worker = worker;
    this.backend = backend;
  }

  Backend backend() {
    return backend;
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange == null || !(msg instanceof ByteBuf)) {
      // Bytes on an idle connection: the backend is out of step (a late error page, a bug).
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    try {
      reader.read(in);
    } finally {
      in.release();
    }
    if (reader.trailingGarbage) {
      ctx.close(); // bytes after the end of the response: never reuse this connection
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange f = exchange;
    if (f != null) {
      f.backendReadComplete(this);
    } else if (inPool) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange f = exchange;
    if (f != null && ctx.channel().isWritable()) {
      f.backendWritable(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Fatal.exitOnOutOfMemory(cause);
    // channelInactive follows the close and reports the failure once.
    failure = cause;
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    worker.pool.remove(this);
    Exchange f = exchange;
    // A body that runs until the close ends here; anything else under way failed.
    if (f != null && !reader.closed()) {
      exchange = null;
      f.backendClosed(this, failure);
    }
    reader.release();
  }
}
