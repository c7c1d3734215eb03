package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/** The answers the proxy gives on its own: short text bodies and the maintenance page. */
final class Replies {
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String HTML = "text/html; charset=utf-8";

  private Replies() {}

  static byte[] text(int status) {
    switch (status) {
      case 400: return bytes("bad request\n");
      case 404: return bytes("not found: no app here serves this host name and path\n");
      case 408: return bytes("request header timeout\n");
      case 413: return bytes("request body too large\n");
      case 414: return bytes("request line too long\n");
      case 431: return bytes("request headers too large\n");
      case 502: return bytes("bad gateway: the backend failed\n");
      case 503: return bytes("service unavailable: no backend\n");
      case 501: return bytes("not implemented: the proxy does not forward this method\n");
      case 504: return bytes("gateway timeout: the backend did not answer in time\n");
      case 505: return bytes("HTTP version not supported: use HTTP/1.1 or HTTP/1.0\n");
      default: return bytes(HttpResponseStatus.valueOf(status).reasonPhrase() + "\n");
    }
  }

  private static final byte[][] TEXTS = new byte[600][];

  static {
    for (int s : new int[] {400, 404, 408, 413, 414, 431, 501, 502, 503, 504, 505}) {
      TEXTS[s] = text(s);
    }
  }

  /** A plain-text answer, whole: head and (unless it answers a HEAD) body. */
  static ByteBuf plain(int status, boolean close, boolean head) {
    byte[] body = TEXTS[status] != null ? TEXTS[status] : text(status);
    return build(status, body, TEXT, close, head, "");
  }

  private static final byte[] OVERLOADED =
      bytes("service unavailable: the proxy is short of buffer memory, try again shortly\n");

  /** The 503 while buffer memory runs short, with {@code Retry-After: 1}; the connection closes. */
  static ByteBuf overloaded(boolean head) {
    return build(503, OVERLOADED, TEXT, true, head, "Retry-After: 1\r\n");
  }

  /** The 503 maintenance page, with {@code Retry-After: 30}. */
  static ByteBuf maintenance(byte[] page, boolean close, boolean head) {
    return build(503, page, HTML, close, head, "Retry-After: 30\r\n");
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

  private static ByteBuf build(int status, byte[] body, String type, boolean close,
      boolean head, String extra) {
    String h = "HTTP/1.1 " + status + " " + HttpResponseStatus.valueOf(status).reasonPhrase()
        + "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length + "\r\n" + extra
        + (close ? "Connection: close\r\n" : "") + "\r\n";
    byte[] top = h.getBytes(StandardCharsets.ISO_8859_1);
    return head ? Unpooled.wrappedBuffer(top) : Unpooled.wrappedBuffer(top, body);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
