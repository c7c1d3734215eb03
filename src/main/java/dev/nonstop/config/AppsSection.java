package dev.nonstop.config;

import dev.nonstop.acme.AcmeSettings;
import dev.nonstop.config.YamlTree.Entry;
import dev.nonstop.config.YamlTree.Mapping;
import dev.nonstop.config.YamlTree.Node;
import dev.nonstop.config.YamlTree.Position;
import dev.nonstop.config.YamlTree.Scalar;
import dev.nonstop.config.YamlTree.Sequence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code apps:} section: several apps behind one listener, each answering its host names (and
 * path prefix). Each app has the keys of a one-app file but {@code app} (its name is its key) and
 * those of the whole process, which stay at the top level ({@code ConfigLoader.Shared}).
 */
final class AppsSection {
  static final List<String> ROUTE_KEYS = List.of("hosts", "default", "path", "strip-path");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final String HOST = "a host name like example.com, or a wildcard of one label like *.example.com";
  private static final String PATH = "a path that starts with /, e.g. /api";

  /** One app's entry while the section is read: where its keys stand, and its routing. */
  private record App(String name, Position at, Section section, Routing routing) {}

  private AppsSection() {}

  static Config read(Section top) {
    refuseAppKeysAtTop(top);
    Node node = top.node("apps");
    if (!(node instanceof Mapping apps) || apps.entries().isEmpty()) {
      throw top.wrong("apps", node, "a mapping of app names to their settings, e.g. apps: { web: { run: ..., hosts: [example.com] } }");
    }
    List<String> allowed = new ArrayList<>(ConfigLoader.APP_KEYS);
    allowed.addAll(ROUTE_KEYS);
    List<App> read = new ArrayList<>();
    for (Entry e : apps.entries().values()) {
      try {
        ConfigLoader.appName(e.key());
      } catch (IllegalArgumentException bad) {
        throw Section.error(top.file(), e.keyAt(), "apps: '" + e.key() + "' is not an app name (expected: "
            + "1 to 64 letters, digits, - and _, e.g. web)");
      }
      if (!(e.value() instanceof Mapping m)) {
        throw Section.error(top.file(), e.value().at(), "apps." + e.key() + ": " + Section.describe(e.value())
            + " (expected: the app's settings, each on its own line indented under '" + e.key() + ":')");
      }
      Section s = new Section(top.file(), "apps." + e.key() + ".", m);
      s.allowOnly(allowed);
      read.add(new App(e.key(), e.keyAt(), s, routing(s, e)));
    }
    refuseDoubleClaims(read);
    ConfigLoader.Shared shared = ConfigLoader.shared(top, /* hostsFromApps= */ true);
    TlsConfig tls = shared.tls();
    if (tls != null && tls.acme() != null && tls.acme().hosts().isEmpty()) {
      shared = shared.withTls(tls.withAcmeHosts(acmeHosts(top, read, !tls.certificates().isEmpty())));
    }
    List<AppConfig> out = new ArrayList<>();
    for (App a : read) {
      out.add(ConfigLoader.app(a.section(), a.name(), shared, a.routing()));
    }
    refuseSharedPreview(read, out);
    return new Config(top.file(), out, /* routed= */ true);
  }

  /** An app's key at the top level beside {@code apps:} would be ambiguous: which app has it? */
  private static void refuseAppKeysAtTop(Section top) {
    for (Entry e : top.mapping().entries().values()) {
      if (e.key().equals("app") || ConfigLoader.APP_KEYS.contains(e.key())) {
        throw Section.error(top.file(), e.keyAt(), "'" + e.key() + "' beside 'apps:' (expected: "
            + (e.key().equals("app") ? "each app named by its key under apps:" : "it under each app in apps:")
            + "; only listen, admin, state, limits, streams, tls and h2c are the whole process's)");
      }
    }
  }

  private static Routing routing(Section s, Entry app) {
    List<String> hosts = new ArrayList<>();
    Node list = s.node("hosts");
    if (list != null) {
      if (!(list instanceof Sequence seq)) {
        throw s.wrong("hosts", list, "a list of host names, e.g. [example.com, *.example.com]");
      }
      for (Node item : seq.items()) {
        hosts.add(host(s, item));
      }
    }
    boolean fallback = s.parsed("default", Boolean.FALSE, "true or false", ConfigLoader::bool);
    if (hosts.isEmpty() && !fallback) {
      throw Section.error(s.file(), app.keyAt(), "apps." + app.key() + ": no hosts, and not the default app "
          + "(expected: hosts: [example.com], or default: true for the hosts no other app names)");
    }
    String path = s.text("path", "/", PATH);
    if (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.chars().anyMatch(c -> c <= ' ')) {
      throw s.wrong("path", s.node("path"), PATH);
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    boolean strip = s.parsed("strip-path", Boolean.FALSE, "true or false", ConfigLoader::bool);
    return new Routing(hosts, fallback, path, strip);
  }

  /** A host name in lower case; a final dot is dropped, as the proxy drops it from Host. */
  private static String host(Section s, Node item) {
    String text = item instanceof Scalar sc && !sc.isNull() ? sc.text().strip().toLowerCase(Locale.ROOT) : "";
    if (text.endsWith(".")) {
      text = text.substring(0, text.length() - 1);
    }
    boolean wildcard = text.startsWith("*.");
    String name = wildcard ? text.substring(2) : text;
    boolean ok = !name.isEmpty() && name.length() <= 253 && (!wildcard || name.contains("."));
    for (String label : name.split("\\.", -1)) {
      ok &= LABEL.matcher(label).matches();
    }
    if (!ok) {
      throw Section.error(s.file(), item.at(), s.prefix() + "hosts: " + Section.describe(item) + " (expected: " + HOST + ")");
    }
    return text;
  }

  /** Each host and path is one app's, and at most one app is the default. */
  private static void refuseDoubleClaims(List<App> apps) {
    Map<String, String> claimed = new HashMap<>();
    App fallback = null;
    for (App a : apps) {
      Routing r = a.routing();
      Node list = a.section().node("hosts");
      for (int i = 0; i < r.hosts().size(); i++) {
        String host = r.hosts().get(i);
        String owner = claimed.putIfAbsent(host + " " + r.path(), a.name());
        if (owner != null && !owner.equals(a.name())) {
          Position at = ((Sequence) list).items().get(i).at();
          throw Section.error(a.section().file(), at, "apps." + a.name() + ".hosts: " + host
              + (r.path().equals("/") ? "" : " with path " + r.path()) + " is already app " + owner
              + "'s (expected: each host and path answered by one app; give one a path: to share a host)");
        }
      }
      if (r.fallback()) {
        if (fallback != null) {
          throw a.section().wrong("default", a.section().node("default"), "one default app, and " + fallback.name()
              + " is the default already");
        }
        fallback = a;
      }
    }
  }

  /** tls.acme without hosts: the apps' exact names, since HTTP-01 cannot prove a wildcard. */
  private static List<String> acmeHosts(Section top, List<App> apps, boolean certificateFiles) {
    Set<String> names = new LinkedHashSet<>();
    for (App a : apps) {
      Routing r = a.routing();
      Node list = a.section().node("hosts");
      if (!r.hosts().isEmpty() && r.exactHosts().isEmpty()) {
        throw Section.error(top.file(), list.at(), "apps." + a.name() + ".hosts: only wildcards ("
            + String.join(", ", r.hosts()) + "), but tls.acme takes its names from the apps' hosts, and its HTTP-01 "
            + "challenge cannot prove a wildcard (expected: an exact name beside them, or tls.acme.hosts listing "
            + "the names to certify, with a certificate file for the wildcard)");
      }
      for (int i = 0; i < r.hosts().size(); i++) {
        String host = r.hosts().get(i);
        if (host.startsWith("*.")) {
          if (!certificateFiles) { // its handshakes would find no certificate at all
            throw Section.error(top.file(), ((Sequence) list).items().get(i).at(), "apps." + a.name() + ".hosts: "
                + host + " has no certificate: tls.acme's HTTP-01 challenge cannot prove a wildcard, and tls "
                + "has no certificate file (expected: exact names only, or a certificate for " + host
                + " in tls.cert or tls.certificates)");
          }
          continue;
        }
        try {
          names.add(AcmeSettings.checkHost(host));
        } catch (IllegalArgumentException e) {
          throw Section.error(top.file(), ((Sequence) list).items().get(i).at(), "apps." + a.name() + "."
              + e.getMessage() + "; tls.acme takes its names from the apps' hosts unless tls.acme.hosts lists them");
        }
      }
    }
    if (names.isEmpty()) {
      throw top.section("tls").section("acme").missing("hosts", "a list of host names, e.g. [example.com], "
          + "as no app has a host name to take them from");
    }
    return List.copyOf(names);
  }

  private static void refuseSharedPreview(List<App> read, List<AppConfig> apps) {
    Map<Integer, String> taken = new HashMap<>();
    for (int i = 0; i < apps.size(); i++) {
      AppConfig a = apps.get(i);
      if (a.preview() == null || a.preview().getPort() == 0) {
        continue;
      }
      String owner = taken.putIfAbsent(a.preview().getPort(), a.app());
      if (owner != null) {
        Section s = read.get(i).section();
        throw s.wrong("preview", s.node("preview"), "a port other than app " + owner + "'s preview");
      }
    }
  }
}
