package dev.nonstop.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;

/** The header rules of a proxy: hop-by-hop headers stay on their hop, X-Forwarded-* are added. */
final class Headers {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString IDEMPOTENCY_KEY = AsciiString.cached("idempotency-key");
  static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final AsciiString HTTP = AsciiString.cached("http");

  private Headers() {}

  /**
   * Removes the hop-by-hop headers: Connection and every header it names, Keep-Alive,
   * Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE (but {@code TE: trailers} is
   * kept), Trailer, Transfer-Encoding (the caller re-frames) and Upgrade.
   */
  static void removeHopByHop(HttpHeaders h) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
        removeNamed(h, value);
      }
      h.remove(HttpHeaderNames.CONNECTION);
    }
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    String te = h.get(HttpHeaderNames.TE);
    if (te != null) {
      h.remove(HttpHeaderNames.TE);
      if (te.toLowerCase(Locale.ROOT).contains("trailers")) {
        h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
    }
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.UPGRADE);
  }

  /** Removes the headers a Connection value names, but never TE (kept as {@code trailers}). */
  private static void removeNamed(HttpHeaders h, String value) {
    if (HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(value)
        || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(value)) {
      return; // the usual values name no header (Keep-Alive goes anyway)
    }
    int n = value.length();
    int i = 0;
    while (i < n) {
      int comma = value.indexOf(',', i);
      int end = comma < 0 ? n : comma;
      String name = value.substring(i, end).trim();
      if (!name.isEmpty() && !HttpHeaderNames.TE.contentEqualsIgnoreCase(name)) {
        h.remove(name);
      }
      i = end + 1;
    }
  }

  /** X-Forwarded-For gets the client appended; X-Forwarded-Proto and -Host are set; Host stays. */
  static void addForwarded(HttpHeaders h, String clientIp) {
    String prior = h.get(X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, prior == null ? clientIp : prior + ", " + clientIp);
    h.set(X_FORWARDED_PROTO, HTTP);
    String host = h.get(HttpHeaderNames.HOST);
    if (host != null) {
      h.set(X_FORWARDED_HOST, host);
    }
  }

  /**
   * Whether the request's framing is one we accept: no Transfer-Encoding, or exactly one
   * {@code chunked}; never together with Content-Length.
   */
  static boolean validFraming(HttpHeaders h) {
    List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (te.isEmpty()) {
      return true;
    }
    return te.size() == 1
        && HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0).trim())
        && !h.contains(HttpHeaderNames.CONTENT_LENGTH);
  }
}
