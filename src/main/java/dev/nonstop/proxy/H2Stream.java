package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;

/**
 * Makes one HTTP/2 stream look like an HTTP/1.1 connection that carries one request, so that its
 * {@link ClientConnection} and {@link Exchange} are the very ones of HTTP/1.1: the same retries,
 * drain, limits, streams and metrics.
 *
 * <p>Inbound, the request's HEADERS become an HTTP/1.1 request head (the {@code :authority} its
 * Host, {@code cookie} fields joined into one), DATA its body parts, and trailing HEADERS its last
 * part. Outbound, the HTTP/1.1 bytes the exchange writes (the backend's head and body as they
 * came, or a local answer) are read back into HEADERS and DATA frames: the head's hop-by-hop
 * fields dropped, a chunked body unchunked, and the end of the body (its length, its last chunk,
 * or none for HEAD, 204 and 304) ending the stream. Body bytes move as slices of the backend's
 * buffers: no copy. Event-loop confined, as its connection is.
 */
final class H2Stream extends ChannelDuplexHandler {
  private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
      .withNameValidation(false).withValueValidation(false); // HPACK decoding validated them
  /** HTTP/1.1 fields that mean nothing, or are forbidden, in HTTP/2. */
  private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION,
      HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"),
      HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE};

  private enum Out {
    /** Before a response head (or after an interim one). */
    HEAD,
    /** {@link #remaining} body bytes of a response with a length. */
    FIXED,
    /** A chunk-size line. */
    CHUNK_SIZE,
    /** {@link #remaining} bytes of a chunk. */
    CHUNK_DATA,
    /** The CRLF after a chunk's bytes. */
    CHUNK_END,
    /** Trailer lines after the last chunk, up to an empty line. */
    TRAILERS,
    /** The response is whole: the stream has ended. */
    DONE
  }

  /** The request was HEAD: its response has no body, whatever its Content-Length says. */
  private boolean head;
  /** A request head came: later HEADERS are its trailers. */
  private boolean requestStarted;

  private Out out = Out.HEAD;
  private long remaining;
  /** The start of a line (a head, a chunk-size line, a trailer) whose end has not come yet. */
  private ByteBuf partial;
  private Http2Headers trailers;

  // ---- the request ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2HeadersFrame f) {
      if (!requestStarted) {
        requestStarted = true;
        startRequest(ctx, f);
      } else { // trailers
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, HEADERS);
        copyFields(f.headers(), last.trailingHeaders());
        ctx.fireChannelRead(last);
      }
    } else if (msg instanceof Http2DataFrame f) {
      ByteBuf data = f.content(); // its ownership goes on with the part
      ctx.fireChannelRead(f.isEndStream() ? new DefaultLastHttpContent(data, HEADERS)
          : new DefaultHttpContent(data));
    } else {
      ReferenceCountUtil.release(msg); // the codec handles resets and window updates itself
    }
  }

  private void startRequest(ChannelHandlerContext ctx, Http2HeadersFrame f) {
    Http2Headers h2 = f.headers();
    CharSequence method = h2.method();
    CharSequence path = h2.path();
    if (method == null || path == null) {
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
      ctx.close();
      return;
    }
    HttpMethod m = HttpMethod.valueOf(method.toString());
    head = HttpMethod.HEAD.equals(m);
    HttpHeaders h = HEADERS.newHeaders();
    copyFields(h2, h);
    CharSequence authority = h2.authority();
    if (authority != null && !h.contains(HttpHeaderNames.HOST)) {
      h.set(HttpHeaderNames.HOST, authority);
    }
    if (!f.isEndStream() && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED); // a body of no told length
    }
    ctx.fireChannelRead(new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, path.toString(), h));
    if (f.isEndStream()) {
      ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /** The regular fields of {@code from}; cookie fields become one, as HTTP/1.1 wants. */
  private static void copyFields(Http2Headers from, HttpHeaders to) {
    StringBuilder cookie = null;
    for (Map.Entry<CharSequence, CharSequence> e : from) {
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) == ':') {
        continue;
      }
      if (HttpHeaderNames.COOKIE.contentEqualsIgnoreCase(name)) {
        cookie = cookie == null ? new StringBuilder(e.getValue()) : cookie.append("; ").append(e.getValue());
      } else {
        to.add(name, e.getValue());
      }
    }
    if (cookie != null) {
      to.set(HttpHeaderNames.COOKIE, cookie.toString());
    }
  }

  // ---- the response ----

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    if (partial != null) { // a line cut in two by the writes: rare, and small
      ByteBuf joined = ctx.alloc().buffer(partial.readableBytes() + in.readableBytes());
      joined.writeBytes(partial).writeBytes(in);
      partial.release();
      in.release();
      partial = null;
      in = joined;
    }
    Object frame = null;
    try {
      while (in.isReadable() && out != Out.DONE) {
        Object f = next(in);
        if (f == null) {
          partial = in.readRetainedSlice(in.readableBytes()); // waits for the rest of its line
          break;
        }
        if (frame != null) {
          ctx.write(frame, ctx.voidPromise());
        }
        frame = f;
      }
    } finally {
      in.release();
    }
    if (frame != null) {
      ctx.write(frame, promise);
    } else {
      promise.trySuccess(); // nothing went out for it: its bytes are taken in
    }
  }

  /** The next frame from {@code in}, or null when it needs more bytes. */
  private Object next(ByteBuf in) {
    while (true) {
      switch (out) {
        case HEAD: {
          ByteBuf headBytes = line(in, true);
          if (headBytes == null) {
            return null;
          }
          try {
            return responseHead(headBytes);
          } finally {
            headBytes.release();
          }
        }
        case FIXED: {
          int n = (int) Math.min(remaining, in.readableBytes());
          remaining -= n;
          boolean end = remaining == 0;
          if (end) {
            out = Out.DONE;
          }
          return new DefaultHttp2DataFrame(in.readRetainedSlice(n), end);
        }
        case CHUNK_SIZE: {
          ByteBuf sizeLine = line(in, false);
          if (sizeLine == null) {
            return null;
          }
          long size = chunkSize(sizeLine);
          sizeLine.release();
          if (size == 0) {
            out = Out.TRAILERS;
            trailers = null;
          } else {
            remaining = size;
            out = Out.CHUNK_DATA;
          }
          continue;
        }
        case CHUNK_DATA: {
          int n = (int) Math.min(remaining, in.readableBytes());
          remaining -= n;
          if (remaining == 0) {
            out = Out.CHUNK_END;
          }
          return new DefaultHttp2DataFrame(in.readRetainedSlice(n), false);
        }
        case CHUNK_END: {
          ByteBuf crlf = line(in, false);
          if (crlf == null) {
            return null;
          }
          crlf.release();
          out = Out.CHUNK_SIZE;
          continue;
        }
        case TRAILERS: {
          ByteBuf field = line(in, false);
          if (field == null) {
            return null;
          }
          try {
            if (field.isReadable()) {
              if (trailers == null) {
                trailers = new DefaultHttp2Headers(false);
              }
              addField(trailers, field);
              continue;
            }
          } finally {
            field.release();
          }
          out = Out.DONE;
          Http2Headers t = trailers;
          trailers = null;
          return t == null ? new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true)
              : new DefaultHttp2HeadersFrame(t, true);
        }
        default:
          in.skipBytes(in.readableBytes());
          return null;
      }
    }
  }

  /** A response head, whole: its HEADERS frame, and the state for what follows. */
  private Object responseHead(ByteBuf bytes) {
    int lineEnd = bytes.forEachByte(ByteProcessor.FIND_LF);
    // "HTTP/1.1 200 OK": the status is the three digits after the first space
    int space = bytes.indexOf(bytes.readerIndex(), lineEnd, (byte) ' ');
    int status = (bytes.getByte(space + 1) - '0') * 100 + (bytes.getByte(space + 2) - '0') * 10
        + (bytes.getByte(space + 3) - '0');
    bytes.readerIndex(lineEnd + 1);
    Http2Headers h = new DefaultHttp2Headers(false);
    h.status(AsciiString.of(Integer.toString(status)));
    long length = -1;
    boolean chunked = false;
    while (bytes.isReadable()) {
      int end = bytes.forEachByte(ByteProcessor.FIND_LF);
      if (end < 0) {
        end = bytes.writerIndex() - 1;
      }
      ByteBuf field = bytes.readSlice(end + 1 - bytes.readerIndex());
      int len = field.readableBytes();
      while (len > 0 && (field.getByte(field.readerIndex() + len - 1) == '\n'
          || field.getByte(field.readerIndex() + len - 1) == '\r')) {
        len--;
      }
      if (len == 0) {
        continue;
      }
      field = field.slice(field.readerIndex(), len);
      int colon = field.indexOf(field.readerIndex(), field.writerIndex(), (byte) ':');
      AsciiString name = new AsciiString(field.toString(field.readerIndex(),
          colon - field.readerIndex(), java.nio.charset.StandardCharsets.US_ASCII).trim()).toLowerCase();
      String value = field.toString(colon + 1, field.writerIndex() - colon - 1,
          java.nio.charset.StandardCharsets.ISO_8859_1).trim();
      if (HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)) {
        chunked = true; // the response reader let only chunked through
      } else if (HttpHeaderNames.CONTENT_LENGTH.contentEquals(name)) {
        length = Long.parseLong(value);
        h.add(name, value);
      } else if (!hopByHop(name)) {
        h.add(name, value);
      }
    }
    if (status < 200) {
      return new DefaultHttp2HeadersFrame(h, false); // an interim answer: the real one follows
    }
    if (head || status == 204 || status == 304 || (!chunked && length <= 0)) {
      out = Out.DONE;
      return new DefaultHttp2HeadersFrame(h, true);
    }
    if (chunked) {
      out = Out.CHUNK_SIZE;
    } else {
      out = Out.FIXED;
      remaining = length;
    }
    return new DefaultHttp2HeadersFrame(h, false);
  }

  private static boolean hopByHop(AsciiString name) {
    for (AsciiString h : HOP_BY_HOP) {
      if (h.contentEquals(name)) {
        return true;
      }
    }
    return false;
  }

  private static void addField(Http2Headers to, ByteBuf field) {
    String s = field.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    int colon = s.indexOf(':');
    if (colon > 0) {
      AsciiString name = new AsciiString(s.substring(0, colon).trim()).toLowerCase();
      if (!hopByHop(name)) {
        to.add(name, s.substring(colon + 1).trim());
      }
    }
  }

  private static long chunkSize(ByteBuf line) {
    long size = 0;
    for (int i = line.readerIndex(); i < line.writerIndex(); i++) {
      int d = Character.digit(line.getByte(i), 16);
      if (d < 0) {
        break; // ';' starts an extension; the reader checked the size already
      }
      size = size * 16 + d;
    }
    return size;
  }

  /**
   * The next line of {@code in} (with {@code untilEmptyLine}, everything up to and with the empty
   * line that ends a head), without its line end; or null when it is not whole yet, nothing
   * consumed. The caller releases what it gets.
   */
  private static ByteBuf line(ByteBuf in, boolean untilEmptyLine) {
    int end = untilEmptyLine ? headEnd(in) : in.forEachByte(ByteProcessor.FIND_LF);
    if (end < 0) {
      return null;
    }
    ByteBuf line = in.readRetainedSlice(end + 1 - in.readerIndex());
    if (!untilEmptyLine) { // without its CR LF
      int len = line.readableBytes();
      while (len > 0 && (line.getByte(line.readerIndex() + len - 1) == '\n'
          || line.getByte(line.readerIndex() + len - 1) == '\r')) {
        len--;
      }
      line.writerIndex(line.readerIndex() + len);
    }
    return line;
  }

  /** The index of the LF that ends the head (its empty line), or -1. */
  private static int headEnd(ByteBuf b) {
    int from = b.readerIndex();
    int to = b.writerIndex();
    for (int i = b.indexOf(from, to, (byte) '\n'); i >= 0; i = b.indexOf(i + 1, to, (byte) '\n')) {
      if (i + 1 < to && b.getByte(i + 1) == '\n') {
        return i + 1;
      }
      if (i + 2 < to && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
        return i + 2;
      }
    }
    return -1;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }
}
