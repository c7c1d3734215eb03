package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which {@link Site} answers a request, by its host name and then its path. Immutable; the proxy
 * swaps a whole new one in.
 *
 * <p>A host is matched exactly first, then by a one-label wildcard ({@code *.example.com} matches
 * {@code a.example.com}, not {@code a.b.example.com} nor {@code example.com}), then by the
 * catch-all routes (the default app). Within a tier the longest path prefix wins; a tier whose
 * hosts match but whose prefixes do not falls through to the next. No match: the proxy answers
 * 404.
 */
public final class Routes {
  /**
   * @param hosts exact names and {@code *.}-wildcards, lower case; may be empty for a catch-all
   * @param pathPrefix {@code "/"} for every path, else a prefix such as {@code /api} that matches
   *     {@code /api}, {@code /api/...} and {@code /api?...}
   * @param stripPrefix whether the prefix is taken off the path before the request goes on
   * @param catchAll whether the route also answers hosts no other route names
   */
  public record Route(Site site, List<String> hosts, String pathPrefix, boolean stripPrefix,
      boolean catchAll) {
    public Route {
      requireNonNull(site, "site");
      hosts = List.copyOf(hosts);
      pathPrefix = normalPrefix(pathPrefix);
      for (String h : hosts) {
        if (!h.equals(h.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("host names are lower case: " + h);
        }
      }
    }

    /**
     * The request target {@code uri} goes on with: without the prefix when it is stripped
     * ({@code /api/users?x} is {@code /users?x}, {@code /api} alone is {@code /}).
     */
    String target(String uri) {
      if (!stripPrefix || pathPrefix.equals("/")) {
        return uri;
      }
      String rest = pathOf(uri).substring(pathPrefix.length());
      return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }

    boolean matchesPath(String path) {
      if (pathPrefix.equals("/")) {
        return true;
      }
      if (!path.startsWith(pathPrefix)) {
        return false;
      }
      if (path.length() == pathPrefix.length()) {
        return true;
      }
      char next = path.charAt(pathPrefix.length());
      return next == '/' || next == '?';
    }
  }

  private final Site only;
  private final Map<String, Route[]> exact;
  private final Map<String, Route[]> wildcard;
  private final Route[] catchAll;
  private final List<Site> sites;

  private Routes(Site only, Map<String, Route[]> exact, Map<String, Route[]> wildcard, Route[] catchAll,
      List<Site> sites) {
    this.only = only;
    this.exact = exact;
    this.wildcard = wildcard;
    this.catchAll = catchAll;
    this.sites = sites;
  }

  /** Every request to {@code site}: one app, the hot path, which reads no header. */
  public static Routes single(Site site) {
    return new Routes(requireNonNull(site, "site"), Map.of(), Map.of(), new Route[0], List.of(site));
  }

  public static Routes of(List<Route> routes) {
    Map<String, List<Route>> exact = new HashMap<>();
    Map<String, List<Route>> wildcard = new HashMap<>();
    List<Route> catchAll = new ArrayList<>();
    for (Route r : routes) {
      for (String h : r.hosts()) {
        if (h.startsWith("*.")) {
          wildcard.computeIfAbsent(h.substring(1), k -> new ArrayList<>()).add(r);
        } else {
          exact.computeIfAbsent(h, k -> new ArrayList<>()).add(r);
        }
      }
      if (r.catchAll()) {
        catchAll.add(r);
      }
    }
    if (routes.size() == 1 && catchAll.size() == 1 && routes.get(0).pathPrefix().equals("/")) {
      return single(routes.get(0).site());
    }
    List<Site> sites = new ArrayList<>();
    for (Route r : routes) {
      if (!sites.contains(r.site())) {
        sites.add(r.site());
      }
    }
    return new Routes(null, sorted(exact), sorted(wildcard), sorted(catchAll), List.copyOf(sites));
  }

  private static Map<String, Route[]> sorted(Map<String, List<Route>> byHost) {
    Map<String, Route[]> out = new HashMap<>();
    byHost.forEach((h, rs) -> out.put(h, sorted(rs)));
    return Map.copyOf(out);
  }

  /** Longest prefix first, so that the first match is the one meant. */
  private static Route[] sorted(List<Route> rs) {
    return rs.stream()
        .sorted(Comparator.comparingInt((Route r) -> r.pathPrefix().length()).reversed())
        .toArray(Route[]::new);
  }

  /** The sites, each once, in the order of the routes given. */
  public List<Site> sites() {
    return sites;
  }

  /** The single site, when there is one and only one route; else null. */
  Site only() {
    return only;
  }

  /** The route of a request to several apps; null when none matches. */
  Route route(HttpHeaders headers, String uri) {
    String path = pathOf(uri);
    String host = hostOf(headers.get(HttpHeaderNames.HOST));
    Route r = null;
    if (host != null) {
      r = first(exact.get(host), path);
      if (r == null) {
        int dot = host.indexOf('.');
        if (dot > 0) {
          r = first(wildcard.get(host.substring(dot)), path);
        }
      }
    }
    return r != null ? r : first(catchAll, path);
  }

  private static Route first(Route[] rs, String path) {
    if (rs != null) {
      for (Route r : rs) {
        if (r.matchesPath(path)) {
          return r;
        }
      }
    }
    return null;
  }

  /**
   * The path of a request target: origin-form by now (an absolute-form target was made origin-form
   * with its authority as Host, see {@link RequestRules}); {@code *} has none to route on.
   */
  static String pathOf(String uri) {
    return uri.startsWith("/") ? uri : "/";
  }

  /** The Host field's name: lower case, without port or a final dot; null when absent or empty. */
  static String hostOf(String field) {
    if (field == null) {
      return null;
    }
    String h = field.trim();
    if (h.startsWith("[")) { // an IPv6 literal
      int end = h.indexOf(']');
      return end < 0 ? null : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    // a '*' is no name's: "*.example.com" sent as a Host must not pass for a name under it
    return h.isEmpty() || h.indexOf('*') >= 0 ? null : h.toLowerCase(Locale.ROOT);
  }

  static String normalPrefix(String p) {
    if (p == null || p.isEmpty() || p.equals("/")) {
      return "/";
    }
    if (!p.startsWith("/")) {
      throw new IllegalArgumentException("a path prefix starts with /: " + p);
    }
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
