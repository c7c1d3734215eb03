package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.CharsetUtil;
import java.util.Iterator;
import java.util.Map;

/**
 * HTTP/1.1 framing written straight into buffers: the request head sent to a backend, chunk
 * framing of bodies, and the few fixed lines the proxy adds to a forwarded response head.
 * Text goes out as ISO-8859-1, the way Netty's decoder read it, so every byte comes out as it came.
 */
final class Framing {
  static final ByteBuf CRLF = constant("\r\n");
  static final ByteBuf LAST_CHUNK = constant("0\r\n\r\n");
  static final ByteBuf CONTINUE = constant("HTTP/1.1 100 Continue\r\n\r\n");
  static final byte[] CHUNKED = latin1("Transfer-Encoding: chunked\r\n");
  static final byte[] CLOSE = latin1("Connection: close\r\n");
  static final byte[] KEEP_ALIVE = latin1("Connection: keep-alive\r\n");
  static final byte[] UPGRADE_CONNECTION = latin1("Connection: upgrade\r\n");
  private static final byte[] HTTP_11 = latin1(" HTTP/1.1\r\n");
  private static final byte[] COLON = latin1(": ");

  private Framing() {}

  /** The request line (always HTTP/1.1) and headers of {@code r}, with the empty line. */
  static ByteBuf requestHead(ByteBufAllocator alloc, HttpRequest r) {
    String uri = r.uri();
    ByteBuf out = alloc.buffer(256 + uri.length());
    out.writeCharSequence(r.method().asciiName(), CharsetUtil.ISO_8859_1);
    out.writeByte(' ');
    out.writeCharSequence(uri, CharsetUtil.ISO_8859_1);
    out.writeBytes(HTTP_11);
    writeHeaders(out, r.headers());
    out.writeShort(0x0d0a); // \r\n
    return out;
  }

  private static void writeHeaders(ByteBuf out, HttpHeaders h) {
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
        it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      out.writeCharSequence(e.getKey(), CharsetUtil.ISO_8859_1);
      out.writeBytes(COLON);
      out.writeCharSequence(e.getValue(), CharsetUtil.ISO_8859_1);
      out.writeShort(0x0d0a);
    }
  }

  /**
   * Writes a part of a request body to {@code ch}, framed as a chunk when the request is chunked
   * (the last part ends the chunks, with its trailers). Takes ownership of {@code c}.
   */
  static void writeRequestBody(Channel ch, HttpContent c, boolean chunked) {
    ByteBuf data = c.content();
    if (!chunked) {
      ch.write(data, ch.voidPromise());
      return;
    }
    int n = data.readableBytes();
    if (n > 0) {
      ch.write(chunkHeader(ch.alloc(), n), ch.voidPromise());
      ch.write(data, ch.voidPromise());
      ch.write(CRLF.duplicate(), ch.voidPromise());
    } else {
      data.release();
    }
    if (c instanceof LastHttpContent) {
      HttpHeaders trailers = ((LastHttpContent) c).trailingHeaders();
      if (trailers.isEmpty()) {
        ch.write(LAST_CHUNK.duplicate(), ch.voidPromise());
      } else {
        ByteBuf out = ch.alloc().buffer(64);
        out.writeByte('0').writeShort(0x0d0a);
        writeHeaders(out, trailers);
        out.writeShort(0x0d0a);
        ch.write(out, ch.voidPromise());
      }
    }
  }

  /** The line that opens a chunk of {@code size} bytes. */
  static ByteBuf chunkHeader(ByteBufAllocator alloc, int size) {
    ByteBuf out = alloc.buffer(10);
    out.writeCharSequence(Integer.toHexString(size), CharsetUtil.ISO_8859_1);
    out.writeShort(0x0d0a);
    return out;
  }

  private static ByteBuf constant(String s) {
    byte[] b = latin1(s);
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(b.length).writeBytes(b).asReadOnly());
  }

  private static byte[] latin1(String s) {
    return s.getBytes(CharsetUtil.ISO_8859_1);
  }
}
