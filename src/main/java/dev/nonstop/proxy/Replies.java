package dev.nonstop.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** The answers the proxy gives on its own: short text bodies and the maintenance page. */
final class Replies {
  private static final AsciiString TEXT = AsciiString.cached("text/plain; charset=utf-8");
  private static final AsciiString HTML = AsciiString.cached("text/html; charset=utf-8");
  private static final AsciiString RETRY_AFTER_SECONDS = AsciiString.cached("30");

  private Replies() {}

  static byte[] text(int status) {
    switch (status) {
      case 400: return bytes("bad request\n");
      case 408: return bytes("request header timeout\n");
      case 414: return bytes("request line too long\n");
      case 431: return bytes("request headers too large\n");
      case 502: return bytes("bad gateway: the backend failed\n");
      case 503: return bytes("service unavailable: no backend\n");
      case 504: return bytes("gateway timeout: the backend did not answer in time\n");
      default: return bytes(HttpResponseStatus.valueOf(status).reasonPhrase() + "\n");
    }
  }

  private static final byte[][] TEXTS = new byte[600][];

  static {
    for (int s : new int[] {400, 408, 414, 431, 502, 503, 504}) {
      TEXTS[s] = text(s);
    }
  }

  /** A plain-text answer; its body wraps a shared array, so building it copies nothing. */
  static FullHttpResponse plain(int status, boolean close) {
    byte[] body = TEXTS[status] != null ? TEXTS[status] : text(status);
    return build(status, body, TEXT, close);
  }

  /** The 503 maintenance page, with {@code Retry-After: 30}. */
  static FullHttpResponse maintenance(byte[] page, boolean close) {
    FullHttpResponse res = build(503, page, HTML, close);
    res.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
    return res;
  }

  static byte[] maintenancePage(String message) {
    return bytes("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Under maintenance</title>"
        + "</head>\n<body><h1>Under maintenance</h1>\n<p>" + escape(message)
        + "</p></body></html>\n");
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<': b.append("&lt;"); break;
        case '>': b.append("&gt;"); break;
        case '&': b.append("&amp;"); break;
        case '"': b.append("&quot;"); break;
        case '\'': b.append("&#39;"); break;
        default: b.append(c);
      }
    }
    return b.toString();
  }

  private static FullHttpResponse build(int status, byte[] body, AsciiString type, boolean close) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (close) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return res;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
