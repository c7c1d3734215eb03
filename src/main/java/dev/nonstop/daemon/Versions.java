package dev.nonstop.daemon;

import dev.nonstop.config.Config;
import dev.nonstop.deploy.DeployException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The releases {@code up --version} names for apps that have no live release yet: {@code V} for
 * every such app, {@code APP=V} for one of them. An app with a live release in its state file
 * starts that one.
 *
 * @param all the version for any app not named, or null
 * @param byApp versions by app name
 */
public record Versions(String all, Map<String, String> byApp) {
  public static final Versions NONE = new Versions(null, Map.of());

  public Versions {
    byApp = Map.copyOf(byApp);
  }

  /** {@code version} for every app (null: none). */
  public static Versions of(String version) {
    return new Versions(version, Map.of());
  }

  /**
   * Reads {@code --version} values, each {@code V} or {@code APP=V}.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static Versions parse(List<String> values) {
    String all = null;
    Map<String, String> byApp = new LinkedHashMap<>();
    for (String v : values) {
      int eq = v.indexOf('=');
      if (eq < 0) {
        if (all != null && !all.equals(v)) {
          throw new IllegalArgumentException("--version " + v + " after --version " + all
              + " (expected: one version for every app, or APP=V for each)");
        }
        all = v;
      } else if (eq == 0 || eq == v.length() - 1) {
        throw new IllegalArgumentException("--version " + v + " (expected: V, or APP=V)");
      } else {
        byApp.put(v.substring(0, eq), v.substring(eq + 1));
      }
    }
    return new Versions(all, byApp);
  }

  /** The version for {@code app}, or null. */
  String forApp(String app) {
    return byApp.getOrDefault(app, all);
  }

  /** Refuses a version for an app the file does not have. */
  void check(Config config) throws DeployException {
    for (String app : byApp.keySet()) {
      if (config.app(app) == null) {
        throw new DeployException("--version " + app + "=" + byApp.get(app) + ": no app " + app + " in "
            + config.file().getFileName() + " (expected: one of " + String.join(", ", config.names()) + ")");
      }
    }
  }
}
