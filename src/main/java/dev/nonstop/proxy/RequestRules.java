package dev.nonstop.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * What a request head must be before any of it is written to a backend (RFC 9112): a version
 * the proxy speaks, a method it forwards, a target without control bytes, one Host. Netty's
 * decoder is lenient on each of these; a backend behind us may read them differently than we do.
 */
final class RequestRules {
  /** The request may go on. */
  static final int OK = 0;

  private RequestRules() {}

  /**
   * Why a decoded request head with a body of {@code length} bytes (0 when it tells none) is
   * refused before anything reaches a backend (400, 413, 501, ...), or {@link #OK}; for HTTP/1.1
   * and HTTP/2 alike. Puts an absolute-form target into origin form, as {@link #check} does.
   */
  static int refusal(HttpRequest r, long length, long maxBody) {
    if (!Headers.validFraming(r.headers())) {
      return 400;
    }
    int problem = check(r);
    if (problem != OK) {
      return problem;
    }
    return maxBody > 0 && length > maxBody ? 413 : OK;
  }

  /**
   * Checks {@code r} and puts an absolute-form target into origin form, its authority becoming
   * Host (RFC 9112 3.2.2: the target's authority wins). Returns {@link #OK} or the status to
   * answer.
   */
  static int check(HttpRequest r) {
    HttpVersion v = r.protocolVersion();
    if (v.majorVersion() != 1 || v.minorVersion() > 1) {
      return 505; // HTTP/2.0 (and the h2 preface PRI * HTTP/2.0), 1.2, 9.9: never sent on as 1.1
    }
    if (HttpMethod.CONNECT.equals(r.method())) {
      return 501; // a tunnel is not a reverse proxy's job
    }
    String target = r.uri();
    if (!visibleAscii(target)) {
      return 400;
    }
    HttpHeaders h = r.headers();
    List<String> hosts = h.getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1 || (hosts.isEmpty() && v.minorVersion() == 1)) {
      return 400;
    }
    if (target.startsWith("/")) {
      return OK;
    }
    if ("*".equals(target) && HttpMethod.OPTIONS.equals(r.method())) {
      return OK;
    }
    return absoluteToOrigin(r, target);
  }

  /** {@code http://authority/path?query} → target {@code /path?query}, Host {@code authority}. */
  private static int absoluteToOrigin(HttpRequest r, String target) {
    int scheme = target.indexOf("://");
    if (scheme <= 0 || !isScheme(target.substring(0, scheme))) {
      return 400;
    }
    int from = scheme + 3;
    int end = from;
    while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
      end++;
    }
    String authority = target.substring(from, end);
    if (authority.isEmpty() || authority.indexOf('@') >= 0) {
      return 400; // no host, or user information, which a request target never carries
    }
    String rest = target.substring(end);
    if (rest.startsWith("#")) {
      return 400;
    }
    r.setUri(rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest);
    r.headers().set(HttpHeaderNames.HOST, authority);
    return OK;
  }

  private static boolean isScheme(String s) {
    return "http".equalsIgnoreCase(s) || "https".equalsIgnoreCase(s);
  }

  /** Printable ASCII and bytes above it (some clients send raw UTF-8); no controls, no space. */
  private static boolean visibleAscii(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
