package dev.nonstop.config;

import java.util.List;

/**
 * Which requests an app of {@code apps:} answers: its host names, or every host no other app
 * names ({@code default: true}), under its path prefix. A file without {@code apps:} has one app
 * that answers everything ({@link #ALL}).
 *
 * @param hosts exact names and one-label {@code *.example.com} wildcards, lower case
 * @param fallback {@code default: true}: it also answers hosts no app names
 * @param path {@code "/"} for every path, else a prefix such as {@code /api}, without a final slash
 * @param stripPath the prefix is taken off the path before the request reaches the app
 */
public record Routing(List<String> hosts, boolean fallback, String path, boolean stripPath) {
  /** Every request: the one app of a file without {@code apps:}. */
  public static final Routing ALL = new Routing(List.of(), true, "/", false);

  public Routing {
    hosts = List.copyOf(hosts);
  }

  /** The exact names among {@link #hosts}: those ACME's HTTP-01 can prove. */
  public List<String> exactHosts() {
    return hosts.stream().filter(h -> !h.startsWith("*.")).toList();
  }
}
