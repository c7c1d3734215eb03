package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes one HTTP/2 stream look like an HTTP/1.1 connection that carries one request, so that its
 * {@link ClientConnection} and {@link Exchange} are the very ones of HTTP/1.1: the same retries,
 * drain, limits, streams and metrics. It sits between Netty's frame-to-object codec and the
 * connection. Inbound, a request that came whole in one HEADERS frame is split into its head and
 * an empty last part, as the HTTP/1.1 decoder delivers it, and the codec's {@code x-http2-*}
 * headers are dropped. Outbound, the HTTP/1.1 bytes the exchange writes (the backend's head and
 * body as they came, or a local answer) are parsed back into a head and body parts, which the
 * codec sends as HEADERS and DATA frames; hop-by-hop headers go there. A body with a length moves
 * as slices of the backend's buffers: no copy.
 */
final class H2Stream extends ChannelDuplexHandler {
  private static final CharSequence[] EXTENSION_HEADERS = {
      HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
      HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
      HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
      HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
      HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text(),
      HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text()};

  private final ResponseParser parser = new ResponseParser();
  private final List<Object> parsed = new ArrayList<>(4);
  private final List<Object> send = new ArrayList<>(4);
  /** Bytes written that do not make a whole part yet (a chunk-size line cut in two). */
  private ByteBuf pending;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpRequest)) {
      ctx.fireChannelRead(msg);
      return;
    }
    HttpRequest req = (HttpRequest) msg;
    HttpHeaders h = req.headers();
    for (CharSequence name : EXTENSION_HEADERS) {
      h.remove(name);
    }
    parser.head = HttpMethod.HEAD.equals(req.method());
    if (msg instanceof FullHttpRequest) {
      FullHttpRequest full = (FullHttpRequest) msg;
      HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
          h);
      head.setDecoderResult(full.decoderResult());
      full.release(); // a HEADERS frame that ended the stream: no body, no trailers
      ctx.fireChannelRead(head);
      ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
    } else {
      ctx.fireChannelRead(req);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (!(msg instanceof ByteBuf)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf in = pending == null ? (ByteBuf) msg
        : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), pending, (ByteBuf) msg);
    pending = null;
    try {
      parser.parse(ctx, in, parsed);
    } finally {
      if (in.isReadable()) {
        pending = in;
      } else {
        in.release();
      }
    }
    for (int i = 0, n = parsed.size(); i < n; i++) {
      Object o = parsed.get(i);
      if (o instanceof HttpResponse && !(o instanceof HttpContent)) {
        HttpResponse r = (HttpResponse) o;
        Object next = i + 1 < n ? parsed.get(i + 1) : null;
        // An interim answer (100 Continue, 103), or one without a body, is one HEADERS frame;
        // the decoder's empty last part after it is not sent (for a 1xx it ends nothing).
        if (r.status().code() < 200 || emptyLast(next)) {
          send.add(new DefaultFullHttpResponse(r.protocolVersion(), r.status(),
              Unpooled.EMPTY_BUFFER, r.headers(), EmptyHttpHeaders.INSTANCE));
          if (next instanceof LastHttpContent) {
            ReferenceCountUtil.release(next);
            i++;
          }
        } else {
          send.add(r);
        }
      } else {
        send.add(o);
      }
    }
    parsed.clear();
    int last = send.size() - 1;
    if (last < 0) {
      promise.trySuccess();
      return;
    }
    for (int i = 0; i < last; i++) {
      ctx.write(send.get(i), ctx.voidPromise());
    }
    ctx.write(send.get(last), promise);
    send.clear();
  }

  private static boolean emptyLast(Object o) {
    return o instanceof LastHttpContent && !((LastHttpContent) o).content().isReadable()
        && ((LastHttpContent) o).trailingHeaders().isEmpty();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }

  /** Netty's HTTP/1.1 response decoder, run on what the exchange writes. */
  private static final class ResponseParser extends HttpResponseDecoder {
    /** The request was HEAD: its response has no body, whatever its Content-Length says. */
    boolean head;

    ResponseParser() {
      super(new HttpDecoderConfig()
          .setMaxInitialLineLength(ResponseReader.MAX_HEAD)
          .setMaxHeaderSize(ResponseReader.MAX_HEAD)
          .setMaxChunkSize(1 << 20)
          .setValidateHeaders(false)); // the backend's head was checked by the ResponseReader
    }

    void parse(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      while (in.isReadable()) {
        int size = out.size();
        int readable = in.readableBytes();
        decode(ctx, in, out);
        if (out.size() == size && in.readableBytes() == readable) {
          return; // needs more bytes
        }
      }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      return (head && ((HttpResponse) msg).status().code() >= 200) || super.isContentAlwaysEmpty(msg);
    }
  }
}
