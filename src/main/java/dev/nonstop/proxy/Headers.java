package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The header rules of a proxy: hop-by-hop headers stay on their hop, X-Forwarded-* are added. */
final class Headers {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString IDEMPOTENCY_KEY = AsciiString.cached("idempotency-key");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  /**
   * The hop-by-hop headers that are simply dropped, for requests and responses alike. Connection,
   * TE and Transfer-Encoding are hop-by-hop too, with rules of their own.
   */
  private static final String[] DROPPED = {"keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "trailer", "upgrade"};
  private static final AsciiString[] DROPPED_NAMES =
      Arrays.stream(DROPPED).map(AsciiString::cached).toArray(AsciiString[]::new);

  private Headers() {}

  /**
   * Removes the hop-by-hop headers: Connection and every header it names, Keep-Alive,
   * Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE (but {@code TE: trailers} is
   * kept), Trailer, Transfer-Encoding (the caller re-frames) and Upgrade.
   */
  /**
   * The protocol a request asks to switch to: its Upgrade value when Connection names
   * {@code upgrade}; null when it asks for none, or for h2c (HTTP/2 over cleartext is spoken to
   * the proxy or not at all, never tunnelled to a backend that may not know it).
   */
  static String upgradeWanted(HttpHeaders h) {
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    if (upgrade == null || upgrade.isBlank() || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
      return null;
    }
    for (String token : upgrade.split(",")) {
      if (token.trim().regionMatches(true, 0, "h2c", 0, 3)) {
        return null;
      }
    }
    return upgrade.trim();
  }

  static void removeHopByHop(HttpHeaders h) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
        removeNamed(h, value);
      }
      h.remove(HttpHeaderNames.CONNECTION);
    }
    for (AsciiString name : DROPPED_NAMES) {
      h.remove(name);
    }
    String te = h.get(HttpHeaderNames.TE);
    if (te != null) {
      h.remove(HttpHeaderNames.TE);
      if (te.toLowerCase(Locale.ROOT).contains("trailers")) {
        h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
    }
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
  }

  /**
   * Removes the headers a Connection value names, but never TE (kept as {@code trailers}) and never
   * one the proxy frames or routes by: dropping Content-Length or Transfer-Encoding while the body
   * still goes on would make the body a second request on the backend connection.
   */
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
      if (!name.isEmpty() && !neverNamed(name)) {
        h.remove(name);
      }
      i = end + 1;
    }
  }

  private static boolean neverNamed(String name) {
    return HttpHeaderNames.TE.contentEqualsIgnoreCase(name)
        || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
        || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
        || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
  }

  /**
   * Removes from a request's trailers what may not stand there (RFC 9110 6.5.1) and a backend
   * might still act on: framing, routing (Host) and hop-by-hop fields.
   */
  static void cleanTrailers(HttpHeaders trailers) {
    if (trailers.isEmpty()) {
      return;
    }
    trailers.remove(HttpHeaderNames.CONTENT_LENGTH);
    trailers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    trailers.remove(HttpHeaderNames.HOST);
    trailers.remove(HttpHeaderNames.CONNECTION);
    trailers.remove(HttpHeaderNames.TE);
    for (AsciiString name : DROPPED_NAMES) {
      trailers.remove(name);
    }
  }

  /**
   * Who the client is, for a canary's sticky split: the first address of X-Forwarded-For (the
   * client as the first proxy on its way saw it, when Nonstop sits behind another one), else its
   * own address. A client that forges the header only chooses its own side of the split.
   */
  static String clientKey(HttpHeaders h, String clientIp) {
    String xff = h.get(X_FORWARDED_FOR);
    if (xff == null || xff.isBlank()) {
      return clientIp;
    }
    int comma = xff.indexOf(',');
    return (comma < 0 ? xff : xff.substring(0, comma)).strip();
  }

  /** X-Forwarded-For gets the client appended; X-Forwarded-Proto and -Host are set; Host stays. */
  static void addForwarded(HttpHeaders h, String clientIp, boolean secure) {
    String prior = h.get(X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, prior == null ? clientIp : prior + ", " + clientIp);
    h.set(X_FORWARDED_PROTO, secure ? HTTPS : HTTP);
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
    if (!h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      return true;
    }
    List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    return te.size() == 1
        && HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0).trim())
        && !h.contains(HttpHeaderNames.CONTENT_LENGTH);
  }

  // ---- the same rules on raw bytes, for responses (see ResponseReader) ----

  static final int END_TO_END = 0;
  static final int CONTENT_LENGTH = 1;
  static final int TRANSFER_ENCODING = 2;
  static final int CONNECTION = 3;
  /** Any other hop-by-hop header: Keep-Alive, Proxy-*, TE, Trailer, Upgrade. */
  static final int HOP_BY_HOP = 4;

  static final byte[] CHUNKED_BYTES = bytes("chunked");
  static final byte[] CLOSE_BYTES = bytes("close");
  static final byte[] KEEP_ALIVE_BYTES = bytes("keep-alive");
  /** The hop-by-hop names with rules of their own, and their kinds. */
  private static final byte[][] SPECIAL = {bytes("content-length"), bytes("transfer-encoding"),
      bytes("connection"), bytes("te")};
  private static final int[] SPECIAL_KINDS = {CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION,
      HOP_BY_HOP};
  private static final byte[][] DROPPED_BYTES =
      Arrays.stream(DROPPED).map(Headers::bytes).toArray(byte[][]::new);

  /** The bytes of a token (RFC 9110 §5.6.2), which a header name is. */
  private static final boolean[] TOKEN = new boolean[256];

  static {
    String tchar = "!#$%&'*+-.^_`|~0123456789"
        + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (int i = 0; i < tchar.length(); i++) {
      TOKEN[tchar.charAt(i)] = true;
    }
  }

  /** The index of the first byte in {@code [from, to)} of {@code b} that is not a token's. */
  static int tokenEnd(ByteBuf b, int from, int to) {
    int i = from;
    while (i < to && TOKEN[b.getByte(i) & 0xFF]) {
      i++;
    }
    return i;
  }

  /** What the header named by the bytes {@code [from, to)} of {@code b} is to a proxy. */
  static int kind(ByteBuf b, int from, int to) {
    for (int i = 0; i < SPECIAL.length; i++) {
      if (equalsIgnoreCase(b, from, to, SPECIAL[i])) {
        return SPECIAL_KINDS[i];
      }
    }
    for (byte[] name : DROPPED_BYTES) {
      if (equalsIgnoreCase(b, from, to, name)) {
        return HOP_BY_HOP;
      }
    }
    return END_TO_END;
  }

  /** Whether the bytes {@code [from, to)} are {@code lower}, in any case. */
  static boolean equalsIgnoreCase(ByteBuf b, int from, int to, byte[] lower) {
    if (to - from != lower.length) {
      return false;
    }
    for (int i = 0; i < lower.length; i++) {
      if (toLower(b.getByte(from + i)) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  static boolean equalsIgnoreCase(ByteBuf a, int from, int to, ByteBuf b, int bFrom, int bTo) {
    if (to - from != bTo - bFrom) {
      return false;
    }
    for (int i = 0; i < to - from; i++) {
      if (toLower(a.getByte(from + i)) != toLower(b.getByte(bFrom + i))) {
        return false;
      }
    }
    return true;
  }

  private static byte toLower(byte c) {
    return c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
