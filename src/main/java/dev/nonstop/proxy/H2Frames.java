package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import java.util.Map;

/**
 * HTTP/2 and HTTP/1.1, for one stream. Inbound, a request's HEADERS become an HTTP/1.1 request
 * head (the {@code :authority} its Host, {@code cookie} fields joined into one), and trailing
 * HEADERS its last part. Outbound, the HTTP/1.1 bytes the exchange writes (the backend's head and
 * body as they came, or a local answer) are read back into HEADERS and DATA for a {@link Sink}:
 * the head's hop-by-hop fields dropped, a chunked body unchunked, and the end of the body (its
 * length, its last chunk, or none for HEAD, 204 and 304) ending the stream. Body bytes move as
 * slices of the backend's buffers: no copy. Event-loop confined, as its stream is.
 */
final class H2Frames {
  private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
      .withNameValidation(false).withValueValidation(false); // HPACK decoding validated them

  /** Where the frames of a response go, in order; a DATA frame's buffer is the sink's to release. */
  interface Sink {
    void headers(Http2Headers headers, boolean endStream);

    void data(ByteBuf data, boolean endStream);
  }

  /** Fields a response head has, about: the size of its headers' table. */
  private static final int HEAD_FIELDS = 8;

  private final Sink sink;
  /** The request was HEAD: its response has no body, whatever its Content-Length says. */
  private boolean head;

  H2Frames(Sink sink) {
    this.sink = sink;
  }

  /** A response is to come, for a HEAD request when {@code head}: nothing of another is kept. */
  void expect(boolean head) {
    this.head = head;
    release();
    out = Out.HEAD;
    remaining = 0;
    trailers = null;
  }

  // ---- the request ----

  /**
   * The HTTP/1.1 request head for a request's HEADERS, or null when it lacks {@code :method} or
   * {@code :path}. A body with no told length is marked chunked, as HTTP/1.1 would send it.
   */
  static HttpRequest request(Http2Headers h2, boolean endStream) {
    CharSequence method = h2.method();
    CharSequence path = h2.path();
    if (method == null || path == null) {
      return null;
    }
    HttpMethod m = HttpMethod.valueOf(method.toString());
    HttpHeaders h = HEADERS.newHeaders();
    copyFields(h2, h);
    CharSequence authority = h2.authority();
    if (authority != null) {
      h.set(HttpHeaderNames.HOST, authority); // it wins over a Host field that says otherwise
    }
    if (!endStream && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, path.toString(), h);
  }

  /** The last part of a request body, with the trailers a request's last HEADERS carried. */
  static LastHttpContent trailers(Http2Headers h2) {
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, HEADERS);
    copyFields(h2, last.trailingHeaders());
    return last;
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

  private Out out = Out.HEAD;
  private long remaining;
  /** The start of a line (a head, a chunk-size line, a trailer) whose end has not come yet. */
  private ByteBuf partial;
  private Http2Headers trailers;

  /**
   * Takes the next bytes of the response the exchange writes (and the buffer with them), and
   * hands on the frames they complete.
   */
  void write(ByteBuf bytes) {
    ByteBuf in = bytes;
    if (partial != null) { // a line cut in two by the writes: rare, and small
      ByteBuf joined = in.alloc().buffer(partial.readableBytes() + in.readableBytes());
      joined.writeBytes(partial).writeBytes(in);
      partial.release();
      in.release();
      partial = null;
      in = joined;
    }
    try {
      while (in.isReadable() && out != Out.DONE) {
        if (!next(in)) {
          partial = in.readRetainedSlice(in.readableBytes()); // waits for the rest of its line
          break;
        }
      }
    } finally {
      in.release();
    }
  }

  /** Whether the response is whole: its last frame ended the stream. */
  boolean done() {
    return out == Out.DONE;
  }

  /** Hands on the next frame from {@code in}; false when it needs more bytes first. */
  private boolean next(ByteBuf in) {
    while (true) {
      switch (out) {
        case HEAD: {
          ByteBuf headBytes = line(in, true);
          if (headBytes == null) {
            return false;
          }
          try {
            responseHead(headBytes);
          } finally {
            headBytes.release();
          }
          return true;
        }
        case FIXED:
          body(in, Out.DONE);
          return true;
        case CHUNK_SIZE: {
          ByteBuf sizeLine = line(in, false);
          if (sizeLine == null) {
            return false;
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
        case CHUNK_DATA:
          body(in, Out.CHUNK_END);
          return true;
        case CHUNK_END: {
          ByteBuf crlf = line(in, false);
          if (crlf == null) {
            return false;
          }
          crlf.release();
          out = Out.CHUNK_SIZE;
          continue;
        }
        case TRAILERS: {
          ByteBuf field = line(in, false);
          if (field == null) {
            return false;
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
          if (t == null) {
            sink.data(Unpooled.EMPTY_BUFFER, true);
          } else {
            sink.headers(t, true);
          }
          return true;
        }
        default:
          in.skipBytes(in.readableBytes());
          return false;
      }
    }
  }

  /**
   * Hands on body bytes, up to {@link #remaining}; once they are all out, the state is {@code
   * after}, and when that is {@link Out#DONE} their frame ends the stream.
   */
  private void body(ByteBuf in, Out after) {
    int n = (int) Math.min(remaining, in.readableBytes());
    remaining -= n;
    if (remaining == 0) {
      out = after;
    }
    sink.data(in.readRetainedSlice(n), out == Out.DONE);
  }

  /** A response head, whole: its HEADERS frame, and the state for what follows. */
  private void responseHead(ByteBuf bytes) {
    // One copy of the head; names and values are views of it (the response reader checked it).
    byte[] b = ByteBufUtil.getBytes(bytes);
    int n = b.length;
    int eol = indexOf(b, 0, n, (byte) '\n');
    // "HTTP/1.1 200 OK": the status is the three digits after the first space
    int space = indexOf(b, 0, eol, (byte) ' ');
    int status = (b[space + 1] - '0') * 100 + (b[space + 2] - '0') * 10 + (b[space + 3] - '0');
    Http2Headers h = new DefaultHttp2Headers(false, HEAD_FIELDS);
    h.status(HttpResponseStatus.valueOf(status).codeAsText());
    long length = -1;
    boolean chunked = false;
    for (int at = eol + 1; at < n; ) {
      int end = indexOf(b, at, n, (byte) '\n');
      if (end < 0) {
        end = n;
      }
      int stop = end;
      while (stop > at && (b[stop - 1] == '\r' || b[stop - 1] == '\n')) {
        stop--;
      }
      int colon = indexOf(b, at, stop, (byte) ':');
      if (colon > at) {
        AsciiString name = name(b, at, colon);
        int v = colon + 1;
        while (v < stop && (b[v] == ' ' || b[v] == '\t')) {
          v++;
        }
        int ve = stop;
        while (ve > v && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
          ve--;
        }
        AsciiString value = new AsciiString(b, v, ve - v, false);
        if (HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)) {
          chunked = true; // the response reader let only chunked through
        } else if (HttpHeaderNames.CONTENT_LENGTH.contentEquals(name)) {
          length = value.parseLong();
          h.add(name, value);
        } else if (!hopByHop(name)) {
          h.add(name, value);
        }
      }
      at = end + 1;
    }
    if (status < 200) {
      sink.headers(h, false); // an interim answer: the real one follows
      return;
    }
    if (head || status == 204 || status == 304 || (!chunked && length <= 0)) {
      out = Out.DONE;
      sink.headers(h, true);
      return;
    }
    if (chunked) {
      out = Out.CHUNK_SIZE;
    } else {
      out = Out.FIXED;
      remaining = length;
    }
    sink.headers(h, false);
  }

  /** Common response fields, lower case, shared: most heads need no name of their own. */
  private static final AsciiString[] COMMON = {HttpHeaderNames.CONTENT_TYPE,
      HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
      HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.ETAG, HttpHeaderNames.LAST_MODIFIED,
      HttpHeaderNames.VARY, HttpHeaderNames.SET_COOKIE, HttpHeaderNames.LOCATION,
      HttpHeaderNames.EXPIRES, HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.CONTENT_ENCODING,
      HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      HttpHeaderNames.AGE, HttpHeaderNames.X_FRAME_OPTIONS, AsciiString.cached("x-powered-by"),
      AsciiString.cached("strict-transport-security"), HttpHeaderNames.CONTENT_SECURITY_POLICY};

  /** The field name in {@code b[from, to)}, lower case, trimmed. */
  private static AsciiString name(byte[] b, int from, int to) {
    while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
      to--;
    }
    int len = to - from;
    for (AsciiString c : COMMON) {
      if (c.length() == len && equalsIgnoreCase(c, b, from)) {
        return c;
      }
    }
    byte[] lower = new byte[len];
    for (int i = 0; i < len; i++) {
      byte x = b[from + i];
      lower[i] = x >= 'A' && x <= 'Z' ? (byte) (x + 32) : x;
    }
    return new AsciiString(lower, false);
  }

  private static boolean equalsIgnoreCase(AsciiString lower, byte[] b, int from) {
    for (int i = 0; i < lower.length(); i++) {
      byte x = b[from + i];
      if (x >= 'A' && x <= 'Z') {
        x += 32;
      }
      if (lower.byteAt(i) != x) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, int from, int to, byte x) {
    for (int i = from; i < to; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Whether {@code name} is a hop-by-hop field still in the head: the exchange dropped the
   * backend's own (see {@link ResponseReader}) and wrote only its framing and Connection, which
   * HTTP/2 forbids.
   */
  private static boolean hopByHop(AsciiString name) {
    return HttpHeaderNames.CONNECTION.contentEquals(name);
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

  /** Lets go of a line held for its rest: the stream ended. */
  void release() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }
}
