package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;

/**
 * Reads a backend's responses straight from the bytes, without decoding them into objects. It
 * finds the end of each head, copies the head without its hop-by-hop headers into a new buffer,
 * then says which bytes are body and where the response ends, so that the proxy forwards the
 * backend's own bytes. A chunked body is passed through with its framing (trailers included), or
 * reduced to its data for a client that knows no chunks.
 *
 * <p>One reader per backend connection, confined to its event loop. A response it cannot frame
 * (no status line, a bad Content-Length, a broken chunk) is reported as malformed: the exchange
 * fails with 502 and the connection is closed. So is a head with a byte that could make a client
 * read its lines otherwise than we do (see {@link #headEnd}): its bytes are forwarded, so they
 * must mean one thing only.
 */
final class ResponseReader {
  /** Where a response goes: the exchange bound to the connection. */
  interface Sink {
    /**
     * A whole head, described by the reader's fields; its buffer is {@link #takeHead()}. An
     * interim (1xx) head not taken is dropped.
     */
    void responseHead(ResponseReader r);

    /** {@code len} bytes of body at {@code from} in {@code in}; copy or retain them to keep them. */
    void responseBody(ByteBuf in, int from, int len);

    /** The response has ended (a close-delimited one ends with {@link #closed()}). */
    void responseEnd();

    void responseMalformed(String why);
  }

  /** The most bytes a head may have, up to and with its empty line; also the most held for one. */
  static final int MAX_HEAD = 64 * 1024;
  /** How a body is framed. */
  static final int NONE = 0;
  static final int LENGTH = 1;
  static final int CHUNKED = 2;
  static final int UNTIL_CLOSE = 3;

  // States of the reader.
  private static final int S_HEAD = 0;
  private static final int S_LENGTH = 1;
  private static final int S_CLOSE = 2;
  private static final int S_CHUNK_SIZE = 3;
  private static final int S_CHUNK_EXT = 4;
  private static final int S_CHUNK_DATA = 5;
  private static final int S_CHUNK_DATA_END = 6;
  private static final int S_TRAILER_START = 7;
  private static final int S_TRAILER_LINE = 8;
  private static final int S_DONE = 9;
  private static final int S_FAILED = 10;

  private static final byte[] HTTP_11 = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] CONTENT_TYPE = "content-type".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] EVENT_STREAM = "text/event-stream".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** A byte of 0x01 or of 0x80 in every lane of a long: see {@link #nextControl}. */
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private final ByteBufAllocator alloc;
  private Sink sink;
  private int state = S_DONE;
  private boolean headRequest;
  private boolean dechunk;
  /** The request asked for an upgrade: a 101 makes the connection a tunnel. */
  private boolean upgrade;
  private ByteBuf partial;
  private long remaining;
  private long chunkSize;
  private boolean sizeDigits;
  /** How far the head under way has been scanned (from its start): each byte is checked once. */
  private int scanned;

  // The head just read.
  int status;
  /** The backend's HTTP minor version: 0 or 1. */
  int minor;
  /** Content-Length, or -1 when there is none. */
  long contentLength;
  /** The body's framing: {@link #NONE}, {@link #LENGTH}, {@link #CHUNKED}, {@link #UNTIL_CLOSE}. */
  int framing;
  /** Whether the head announced a chunked body (a HEAD response says so without one). */
  boolean chunked;
  /** Whether the backend keeps the connection open after this response. */
  boolean keepAlive;
  /** The body is an event stream (Content-Type: text/event-stream): it may run for hours. */
  boolean eventStream;
  /** Bytes came after the end of the response (known when it ends): the connection is out of step. */
  boolean trailingGarbage;
  private ByteBuf head;

  // Scratch space of the head parser, reused from response to response.
  /** Per header line: where it starts, where its name ends, its kind. */
  private int[] lines = new int[32];
  private int[] nameEnds = new int[32];
  private int[] kinds = new int[32];
  private int[] named = new int[8];

  ResponseReader(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  /**
   * Expects the response to a request just sent. {@code headRequest}: the request was a HEAD (no
   * body follows whatever the head says). {@code dechunk}: a chunked body is given as its data only.
   */
  void expect(Sink sink, boolean headRequest, boolean dechunk, boolean upgrade) {
    this.sink = sink;
    this.headRequest = headRequest;
    this.dechunk = dechunk;
    this.upgrade = upgrade;
    this.state = S_HEAD;
    this.scanned = 0;
    this.trailingGarbage = false;
  }

  /** Stops telling the sink anything; the connection is on its way out or back to the pool. */
  void detach() {
    sink = null;
    if (state != S_DONE) {
      state = S_FAILED;
    }
    if (head != null) {
      head.release();
      head = null;
    }
  }

  /** Frees what the reader holds; the connection has closed. */
  void release() {
    detach();
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }

  /** Whether a response is under way (a head or a body has still to come). */
  boolean busy() {
    return state != S_DONE && state != S_FAILED;
  }

  /** The head read last, without its final empty line; the caller owns it from now on. */
  ByteBuf takeHead() {
    ByteBuf h = head;
    head = null;
    return h;
  }

  /** Feeds bytes read from the backend; does not release {@code in}. */
  void read(ByteBuf in) {
    if (partial != null) {
      readStashed(in);
    }
    if (partial == null) {
      consume(in);
      if (state == S_HEAD && sink != null && in.isReadable()) {
        stash(in); // the start of a head: less than MAX_HEAD bytes, or the scan would have failed
      }
    }
  }

  /** Reads the bytes of {@code src} as far as they go. */
  private void consume(ByteBuf src) {
    while (src.isReadable() && sink != null) {
      switch (state) {
        case S_HEAD:
          if (!readHead(src)) {
            return;
          }
          break;
        case S_LENGTH:
          readLength(src);
          break;
        case S_CLOSE: {
          int n = src.readableBytes();
          int from = src.readerIndex();
          src.skipBytes(n);
          sink.responseBody(src, from, n);
          break;
        }
        case S_DONE:
          trailingGarbage = true;
          src.skipBytes(src.readableBytes());
          break;
        case S_FAILED:
          src.skipBytes(src.readableBytes());
          break;
        default:
          readChunked(src);
          break;
      }
    }
  }

  /**
   * Goes on with a head whose start is in {@link #partial}. Only as much of {@code in} is added as
   * the head may still grow by, so the stash never holds more than {@link #MAX_HEAD} bytes; what
   * is left of {@code in} once the stash is used up is read from {@code in} itself.
   */
  private void readStashed(ByteBuf in) {
    ByteBuf p = partial;
    do {
      // Interim heads already read from the stash are dropped: it holds the head under way only.
      p.discardReadBytes();
      p.writeBytes(in, Math.min(in.readableBytes(), MAX_HEAD - p.readableBytes()));
      consume(p);
      // Still a head under way, and more of in: an interim head made room in the stash. (A
      // full stash without the head's end has failed.)
    } while (p.isReadable() && in.isReadable() && state == S_HEAD && sink != null);
    if (!p.isReadable() || state != S_HEAD || sink == null) {
      p.release();
      partial = null;
    }
  }

  /** The bytes held for a head that has not all come yet; for tests. */
  int held() {
    return partial == null ? 0 : partial.capacity();
  }

  /** The backend closed the connection: ends a body that runs until the close. */
  boolean closed() {
    if (state == S_CLOSE && sink != null) {
      state = S_DONE;
      sink.responseEnd();
      return true;
    }
    return false;
  }

  // ---- head ----

  private void stash(ByteBuf in) {
    int n = in.readableBytes();
    partial = alloc.buffer(Math.min(MAX_HEAD, Math.max(256, n * 2)), MAX_HEAD);
    partial.writeBytes(in);
  }

  /** Reads one head if it is all there; returns false when more bytes are needed (or it failed). */
  private boolean readHead(ByteBuf src) {
    int start = src.readerIndex();
    // No byte past the bound is looked at: a head that needs one is over it, however it was cut.
    int limit = Math.min(src.writerIndex(), start + MAX_HEAD);
    int end = headEnd(src, start, limit);
    if (end < 0) {
      if (state == S_HEAD && limit - start == MAX_HEAD) {
        fail("a response head over " + MAX_HEAD + " bytes");
      }
      return false;
    }
    scanned = 0;
    src.readerIndex(end);
    if (!parseHead(src, start, end)) {
      return false;
    }
    if (status == 101) { // parseHead lets one through only to a request that asked for an upgrade
      sink.responseHead(this); // the sink takes the head: from here on, bytes both ways, raw
      if (sink != null) {
        state = S_CLOSE;
      }
      return true;
    }
    if (status < 200) {
      sink.responseHead(this); // 1xx: the sink may take its head; then the real head follows
      if (head != null) {
        head.release();
        head = null;
      }
      return true;
    }
    sink.responseHead(this);
    if (sink == null) {
      return false; // the exchange gave up on this connection
    }
    switch (framing) {
      case LENGTH:
        remaining = contentLength;
        state = S_LENGTH;
        if (remaining == 0) {
          finish(src);
        }
        break;
      case CHUNKED:
        startChunk();
        break;
      case UNTIL_CLOSE:
        state = S_CLOSE;
        break;
      default:
        finish(src);
        break;
    }
    return true;
  }

  /**
   * The index just after the empty line that ends the head at {@code start}, or -1 when more bytes
   * are needed or the head is malformed (then the reader has failed). The scan goes on from where
   * the last read left it, and checks every byte of the head on the way, with these rules:
   *
   * <ul>
   *   <li>A CR must be followed by LF. Some parsers take a bare CR for a line end and others for a
   *       byte of the value, so one could split a header in two behind us (response splitting);
   *       RFC 9112 §2.2 lets a recipient refuse it. A CR that ends a read waits for the next byte.
   *   <li>A bare LF ends a line, as RFC 9112 §2.2 lets a recipient accept: small servers send
   *       them, and the head we forward is rebuilt with CRLF after every line, so no client sees
   *       one. Within a line there is no LF, by definition.
   *   <li>No other control byte but HTAB: NUL, ESC, DEL and the like are invalid in a field value
   *       (RFC 9110 §5.5), and clients disagree on what they do with them (strict parsers, such as
   *       Envoy's, refuse them).
   *   <li>No line after the status line starts with SP or HTAB: obsolete line folding, or
   *       whitespace before the first header, which clients would join to the line above or not
   *       (RFC 9112 §5.2 and §2.2 let a proxy refuse both; §5.2 names 502).
   * </ul>
   */
  private int headEnd(ByteBuf b, int start, int to) {
    int i = start + scanned;
    while (true) {
      int c = nextControl(b, i, to);
      if (c < 0) {
        scanned = to - start;
        return -1;
      }
      byte x = b.getByte(c);
      int lf = c;
      if (x == '\r') {
        if (c + 1 == to) {
          scanned = c - start; // CRLF split between reads: the next one says
          return -1;
        }
        if (b.getByte(c + 1) != '\n') {
          fail("a CR without LF in a head");
          return -1;
        }
        lf = c + 1;
      } else if (x == '\t') {
        i = c + 1;
        continue;
      } else if (x != '\n') {
        fail("a control byte 0x" + Integer.toHexString(x) + " in a head");
        return -1;
      }
      // A line ends at lf; what comes next is the empty line, or a header line that has a name.
      int next = lf + 1;
      if (next == to || (next + 1 == to && b.getByte(next) == '\r')) {
        scanned = lf - start; // this line end is looked at again with the next bytes
        return -1;
      }
      byte y = b.getByte(next);
      if (y == '\n') {
        return next + 1;
      }
      if (y == '\r') {
        if (b.getByte(next + 1) == '\n') {
          return next + 2;
        }
        fail("a CR without LF in a head");
        return -1;
      }
      if (y == ' ' || y == '\t') {
        fail("a header line that starts with whitespace (obsolete line folding)");
        return -1;
      }
      i = next;
    }
  }

  /**
   * The index of the first control byte (below 0x20, or DEL) in {@code [from, to)}, or -1. Eight
   * bytes at a time: in each word, the lowest byte flagged by the borrow tricks below is exact
   * (a borrow only runs upwards, from a byte that is flagged rightly); bytes of 0x80 and up are
   * never flagged (obs-text, allowed in values).
   */
  private static int nextControl(ByteBuf b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = b.getLongLE(i);
      long below = w - 0x20 * ONES; // a byte under 0x20 borrows
      long del = (w ^ 0x7F * ONES) - ONES; // a byte equal to 0x7F borrows
      long hit = (below | del) & ~w & HIGHS;
      if (hit != 0) {
        return i + (Long.numberOfTrailingZeros(hit) >>> 3);
      }
    }
    for (; i < to; i++) {
      byte x = b.getByte(i);
      if ((x >= 0 && x < 0x20) || x == 0x7F) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Parses the head in {@code [start, end)} and writes the forwarded head to {@link #head}.
   * Headers named by Connection, and the hop-by-hop ones, are left out; Content-Length is left
   * out too when Transfer-Encoding overrides it.
   */
  private boolean parseHead(ByteBuf b, int start, int end) {
    // Status line: HTTP/1.x SP 3DIGIT [SP reason]
    int lineEnd = b.indexOf(start, end, (byte) '\n');
    if (lineEnd - start < 12 || b.getByte(start) != 'H' || b.getByte(start + 1) != 'T'
        || b.getByte(start + 2) != 'T' || b.getByte(start + 3) != 'P' || b.getByte(start + 4) != '/'
        || b.getByte(start + 5) != '1' || b.getByte(start + 6) != '.' || b.getByte(start + 8) != ' ') {
      return fail("no HTTP/1.x status line");
    }
    minor = b.getByte(start + 7) - '0';
    byte after = b.getByte(start + 12);
    if (after != ' ' && after != '\r' && after != '\n') {
      return fail("a bad status code");
    }
    int code = 0;
    for (int i = start + 9; i < start + 12; i++) {
      int d = b.getByte(i) - '0';
      if (d < 0 || d > 9) {
        return fail("a bad status code");
      }
      code = code * 10 + d;
    }
    if ((minor != 0 && minor != 1) || code < 100 || (code == 101 && !upgrade)) {
      return fail(code == 101 ? "a protocol switch nobody asked for" : "a bad status line");
    }
    status = code;
    int statusEnd = trimCr(b, start + 9, lineEnd);

    // Header lines: their starts, and what the known ones say.
    int n = 0;
    int namedCount = 0;
    contentLength = -1;
    boolean chunked = false;
    boolean otherCoding = false;
    boolean close = false;
    boolean keep = false;
    boolean events = false;
    int at = lineEnd + 1;
    while (true) {
      int le = b.indexOf(at, end, (byte) '\n');
      int contentEnd = trimCr(b, at, le);
      if (contentEnd == at) {
        break; // the empty line
      }
      if (n + 1 >= lines.length) {
        if (n >= 1024) {
          return fail("over 1024 header lines");
        }
        lines = java.util.Arrays.copyOf(lines, lines.length * 2);
        nameEnds = java.util.Arrays.copyOf(nameEnds, lines.length);
        kinds = java.util.Arrays.copyOf(kinds, lines.length);
      }
      lines[n] = at;
      // The name is a token right up to the colon: a client must find the same name we do (no
      // "Content-Length : 5" that we pass as unknown and a lenient client takes for the length).
      int colon = Headers.tokenEnd(b, at, contentEnd);
      if (colon == at || colon == contentEnd || b.getByte(colon) != ':') {
        return fail("a header line without a valid name");
      }
      int vs = skipSpace(b, colon + 1, contentEnd);
      int ve = trimSpace(b, vs, contentEnd);
      int kind = Headers.kind(b, at, colon);
      nameEnds[n] = colon;
      kinds[n] = kind;
      switch (kind) {
        case Headers.CONTENT_LENGTH: {
          long v = parseLength(b, vs, ve);
          if (v < 0 || (contentLength >= 0 && contentLength != v)) {
            return fail("a bad Content-Length");
          }
          contentLength = v;
          break;
        }
        case Headers.TRANSFER_ENCODING:
          // The last coding decides: chunked ends on its own, anything else at the close.
          int comma = b.indexOf(vs, ve, (byte) ',');
          while (comma >= 0) {
            vs = skipSpace(b, comma + 1, ve);
            comma = b.indexOf(vs, ve, (byte) ',');
          }
          if (Headers.equalsIgnoreCase(b, vs, ve, Headers.CHUNKED_BYTES)) {
            chunked = true;
          } else if (ve > vs) {
            otherCoding = true;
            chunked = false;
          }
          break;
        case Headers.CONNECTION:
          for (int t = vs; t < ve; ) {
            int c = b.indexOf(t, ve, (byte) ',');
            int te = c < 0 ? ve : c;
            int ts = skipSpace(b, t, te);
            int tend = trimSpace(b, ts, te);
            if (Headers.equalsIgnoreCase(b, ts, tend, Headers.CLOSE_BYTES)) {
              close = true;
            } else if (Headers.equalsIgnoreCase(b, ts, tend, Headers.KEEP_ALIVE_BYTES)) {
              keep = true;
            } else if (tend > ts) {
              if (namedCount + 2 > named.length) {
                named = java.util.Arrays.copyOf(named, named.length * 2);
              }
              named[namedCount++] = ts;
              named[namedCount++] = tend;
            }
            t = te + 1;
          }
          break;
        default:
          if (colon - at == CONTENT_TYPE.length && Headers.equalsIgnoreCase(b, at, colon, CONTENT_TYPE)) {
            events = ve - vs >= EVENT_STREAM.length
                && Headers.equalsIgnoreCase(b, vs, vs + EVENT_STREAM.length, EVENT_STREAM);
          }
          break;
      }
      n++;
      at = le + 1;
    }
    lines[n] = at; // the empty line: each header line ends just before the next line starts

    this.chunked = chunked;
    this.eventStream = events;
    framing = framing(code, chunked, otherCoding);
    keepAlive = !close && (minor == 1 || keep) && framing != UNTIL_CLOSE;

    // The forwarded head: HTTP/1.1, the status and reason as they came, the end-to-end headers.
    int capacity = end - start + 64 + (framing == LENGTH ? (int) Math.min(contentLength, 4096) : 0);
    ByteBuf out = alloc.buffer(capacity);
    out.writeBytes(HTTP_11).writeBytes(b, start + 9, statusEnd - (start + 9)).writeBytes(CRLF);
    for (int i = 0; i < n; i++) {
      int ls = lines[i];
      int ce = trimCr(b, ls, lines[i + 1] - 1);
      int kind = kinds[i];
      boolean keepLine = kind == Headers.END_TO_END
          ? !isNamed(b, ls, nameEnds[i], namedCount)
          : kind == Headers.CONTENT_LENGTH && !chunked && !otherCoding;
      if (keepLine) {
        out.writeBytes(b, ls, ce - ls).writeBytes(CRLF);
      }
    }
    head = out;
    return true;
  }

  private int framing(int code, boolean chunked, boolean otherCoding) {
    if (code < 200 || code == 204 || code == 304 || headRequest) {
      return NONE;
    }
    if (chunked) {
      return CHUNKED;
    }
    if (otherCoding) {
      return UNTIL_CLOSE;
    }
    return contentLength >= 0 ? LENGTH : UNTIL_CLOSE;
  }

  private boolean isNamed(ByteBuf b, int from, int to, int namedCount) {
    for (int i = 0; i < namedCount; i += 2) {
      if (Headers.equalsIgnoreCase(b, from, to, b, named[i], named[i + 1])) {
        return true;
      }
    }
    return false;
  }

  // ---- bodies ----

  private void readLength(ByteBuf src) {
    int n = (int) Math.min(remaining, src.readableBytes());
    int from = src.readerIndex();
    src.skipBytes(n);
    remaining -= n;
    sink.responseBody(src, from, n);
    if (remaining == 0 && sink != null) {
      finish(src);
    }
  }

  private void startChunk() {
    state = S_CHUNK_SIZE;
    chunkSize = 0;
    sizeDigits = false;
  }

  /**
   * Walks the chunked framing byte by byte (the data in bulk). Passed through, the bytes walked
   * are one run given to the sink; reduced, only the data is.
   */
  private void readChunked(ByteBuf src) {
    int from = src.readerIndex();
    int i = from;
    int to = src.writerIndex();
    boolean ended = false;
    while (i < to && !ended) {
      switch (state) {
        case S_CHUNK_SIZE: {
          byte c = src.getByte(i++);
          int d = hex(c);
          if (d >= 0) {
            if (chunkSize > (Long.MAX_VALUE >> 5)) {
              fail("a chunk size too large");
              return;
            }
            chunkSize = chunkSize * 16 + d;
            sizeDigits = true;
          } else if (c == '\n') {
            if (!chunkSizeDone()) {
              return;
            }
          } else if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
            state = S_CHUNK_EXT;
          } else {
            fail("a bad chunk size");
            return;
          }
          break;
        }
        case S_CHUNK_EXT: {
          int lf = src.indexOf(i, to, (byte) '\n');
          if (lf < 0) {
            i = to;
          } else {
            i = lf + 1;
            if (!chunkSizeDone()) {
              return;
            }
          }
          break;
        }
        case S_CHUNK_DATA: {
          int n = (int) Math.min(remaining, to - i);
          if (dechunk) {
            src.readerIndex(i + n);
            sink.responseBody(src, i, n);
            if (sink == null) {
              return;
            }
            from = i + n;
          }
          i += n;
          remaining -= n;
          if (remaining == 0) {
            state = S_CHUNK_DATA_END;
          }
          break;
        }
        case S_CHUNK_DATA_END: {
          byte c = src.getByte(i++);
          if (c == '\n') {
            startChunk();
          } else if (c != '\r') {
            fail("a chunk without its line end");
            return;
          }
          break;
        }
        case S_TRAILER_START: {
          byte c = src.getByte(i++);
          if (c == '\n') {
            ended = true;
          } else if (c != '\r') {
            state = S_TRAILER_LINE;
          }
          break;
        }
        case S_TRAILER_LINE: {
          int lf = src.indexOf(i, to, (byte) '\n');
          if (lf < 0) {
            i = to;
          } else {
            i = lf + 1;
            state = S_TRAILER_START;
          }
          break;
        }
        default:
          throw new IllegalStateException("state " + state);
      }
    }
    src.readerIndex(i);
    if (!dechunk && i > from) {
      sink.responseBody(src, from, i - from);
    }
    if (ended && sink != null) {
      finish(src);
    }
  }

  /** The line of a chunk's size has ended; false if the size was missing. */
  private boolean chunkSizeDone() {
    if (!sizeDigits) {
      fail("a chunk without a size");
      return false;
    }
    if (chunkSize == 0) {
      state = S_TRAILER_START;
    } else {
      remaining = chunkSize;
      state = S_CHUNK_DATA;
    }
    return true;
  }

  /** The response ended at {@code src}'s reader index; bytes after it put the connection out of step. */
  private void finish(ByteBuf src) {
    trailingGarbage = src.isReadable();
    state = S_DONE;
    sink.responseEnd();
  }

  private boolean fail(String why) {
    state = S_FAILED;
    Sink s = sink;
    if (s != null) {
      s.responseMalformed("the backend sent " + why);
    }
    return false;
  }

  // ---- bytes ----

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static long parseLength(ByteBuf b, int from, int to) {
    if (from == to || to - from > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = b.getByte(i) - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
    }
    return v;
  }

  /** {@code lf} without the CR before it: where a line's content ends. */
  private static int trimCr(ByteBuf b, int from, int lf) {
    return lf > from && b.getByte(lf - 1) == '\r' ? lf - 1 : lf;
  }

  private static int skipSpace(ByteBuf b, int from, int to) {
    int i = b.forEachByte(from, to - from, ByteProcessor.FIND_NON_LINEAR_WHITESPACE);
    return i < 0 ? to : i;
  }

  private static int trimSpace(ByteBuf b, int from, int to) {
    while (to > from && (b.getByte(to - 1) == ' ' || b.getByte(to - 1) == '\t')) {
      to--;
    }
    return to;
  }
}
