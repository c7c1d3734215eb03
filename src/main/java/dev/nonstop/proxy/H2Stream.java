package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * One HTTP/2 stream: the client side of the one {@link Exchange} it carries, the same exchange as
 * an HTTP/1.1 request's, with the same retries, drain, limits and metrics. Its frames come from its
 * {@link H2Connection}, which writes the frames its response becomes ({@link H2Frames}).
 *
 * <p>Backpressure, both ways through HTTP/2's flow control: the request body's bytes are given
 * back to the client's window only when the exchange can take more of them ({@link #readMore}); the
 * response is read from the backend only while the stream's window and the connection take more
 * ({@link #writable}). Event-loop confined, as its connection is.
 */
final class H2Stream implements Downstream, H2Frames.Sink {
  private final H2Connection conn;
  private Http2Stream stream;
  final Exchange exchange;
  private final H2Frames response = new H2Frames(this);
  /** A request head came: later HEADERS are its trailers. */
  private boolean started;
  /** Request body bytes passed on, not yet given back to the client's window. */
  private int unconsumed;
  /** The stream is closed, or being reset: nothing more goes out on it. */
  private boolean closed;

  H2Stream(H2Connection conn) {
    this.conn = conn;
    this.exchange = new Exchange(this, conn.proxy, conn.worker);
  }

  /**
   * Takes on a new stream. A stream object, with its exchange, serves one stream after another on
   * its connection, as an HTTP/1.1 connection's exchange serves one request after another.
   */
  void open(Http2Stream s) {
    stream = s;
    started = false;
    unconsumed = 0;
    closed = false;
    response.expect(false);
  }

  // ---- from the client ----

  /** A HEADERS frame: the request's head, or its trailers. */
  void headersRead(Http2Headers headers, boolean endStream) {
    if (started) {
      if (exchange.wantsBody()) {
        exchange.content(H2Frames.trailers(headers));
        exchange.flushBackend();
      }
      return;
    }
    started = true;
    Proxy proxy = conn.proxy;
    long began = proxy.clock.getAsLong();
    HttpRequest req = H2Frames.request(headers, endStream);
    if (req == null) {
      conn.reset(stream, Http2Error.PROTOCOL_ERROR);
      return;
    }
    boolean isHead = HttpMethod.HEAD.equals(req.method());
    response.expect(isHead);
    long length = HttpUtil.getContentLength(req, 0L); // the codec checked it
    int problem = RequestRules.refusal(req, length, proxy.options().limits().maxBody());
    if (problem != RequestRules.OK) {
      write(Replies.plain(problem, /* close= */ false, isHead));
      flush();
      exchangeEnded(false, !endStream);
      proxy.fallbackListener().completed(null, problem, proxy.clock.getAsLong() - began, true);
      return;
    }
    exchange.start(req, began, length);
    if (endStream && exchange.wantsBody()) {
      exchange.content(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /**
   * A DATA frame's bytes (the codec releases {@code data} after this call): passed on to the
   * exchange. Returns how many bytes go back to the client's window at once: the padding, and
   * bytes nobody wants; the others go back once the exchange took them in ({@link #readMore}).
   */
  int dataRead(ByteBuf data, int padding, boolean endStream) {
    int n = data.readableBytes();
    if (!exchange.wantsBody()) {
      return n + padding; // answered already: the rest of its body is dropped
    }
    HttpContent part = endStream ? new DefaultLastHttpContent(data.retain())
        : new DefaultHttpContent(data.retain());
    exchange.content(part);
    exchange.flushBackend();
    if (endStream) {
      // The whole body is here and bounded by the window: nothing to hold the client back from.
      int back = unconsumed + n + padding;
      unconsumed = 0;
      return back;
    }
    unconsumed += n;
    if (exchange.wantsBody()) {
      exchange.readMoreBody();
    } else {
      readMore();
    }
    return padding;
  }

  /** The stream closed (its end both ways, a reset either way, the connection's end). */
  void closed() {
    closed = true;
    unconsumed = 0; // the codec gives unconsumed bytes back to the connection's window itself
    exchange.clientGone();
    response.release();
  }

  // ---- the exchange's side ----

  @Override
  public String clientIp() {
    return conn.clientIp;
  }

  @Override
  public boolean secure() {
    return conn.secure;
  }

  @Override
  public boolean handingOff() {
    return false; // a hand-off ends the connection with GOAWAY, not its responses
  }

  @Override
  public boolean closing() {
    return closed;
  }

  @Override
  public ByteBufAllocator alloc() {
    return conn.ctx.alloc();
  }

  @Override
  public void write(ByteBuf bytes) {
    response.write(bytes);
  }

  @Override
  public void flush() {
    conn.flush();
  }

  @Override
  public boolean writable() {
    return conn.writable(stream);
  }

  @Override
  public void readMore() {
    int n = unconsumed;
    if (n > 0 && !closed) {
      unconsumed = 0;
      conn.consumed(stream, n);
    }
  }

  @Override
  public void cut() {
    flush();
    if (!closed) {
      closed = true;
      conn.reset(stream, Http2Error.CANCEL); // its close tells the exchange
    }
  }

  @Override
  public void reset() {
    cut();
  }

  @Override
  public void tunnelOpened() {
    // HTTP/2 requests ask for no upgrade: the exchange opens no tunnel for them
  }

  @Override
  public void exchangeEnded(boolean close, boolean stillSending) {
    flush();
    if (stillSending && !closed) {
      // Answered before the request's end: the client may stop sending (RFC 9113, 8.1), once
      // the answer is out; until then what it sends is dropped as it comes.
      conn.resetOnceSent(stream);
    }
    if (close && conn.proxy.memory.isShort()) {
      conn.goAway(); // no new work from this connection either
    }
  }

  // ---- the response's frames ----

  @Override
  public void headers(Http2Headers headers, boolean endStream) {
    if (!closed) {
      conn.writeHeaders(stream, headers, endStream);
    }
  }

  @Override
  public void data(ByteBuf data, boolean endStream) {
    if (closed) {
      data.release();
    } else {
      conn.writeData(stream, data, endStream);
    }
  }
}
