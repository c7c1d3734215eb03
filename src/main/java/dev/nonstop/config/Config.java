package dev.nonstop.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A validated {@code nonstop.yml}: its apps, in the file's order. The process-wide settings
 * (listen, admin, state, limits, streams, tls, h2c) are the same in every app's {@link AppConfig};
 * the accessors here read them from the first.
 *
 * @param routed the file has {@code apps:}: requests are routed by host name and path; without it
 *     the one app answers every request
 */
public record Config(Path file, List<AppConfig> apps, boolean routed) {
  public Config {
    apps = List.copyOf(apps);
    if (apps.isEmpty()) {
      throw new IllegalArgumentException("apps: none (expected: at least one)");
    }
  }

  /** A file without {@code apps:}: one app that answers every request. */
  public static Config single(AppConfig app) {
    return new Config(requireNonNull(app, "app").file(), List.of(app), /* routed= */ false);
  }

  /** The first app: the only one of a file without {@code apps:}. */
  public AppConfig first() {
    return apps.get(0);
  }

  /** The app named {@code name}, or null. */
  public AppConfig app(String name) {
    return apps.stream().filter(a -> a.app().equals(name)).findFirst().orElse(null);
  }

  public List<String> names() {
    return apps.stream().map(AppConfig::app).toList();
  }

  public InetSocketAddress listen() {
    return first().listen();
  }

  public InetSocketAddress admin() {
    return first().admin();
  }

  public Path state() {
    return first().state();
  }

  public TlsConfig tls() {
    return first().tls();
  }

  /** The longest drain of any app: how long a hand-off waits for the connections of them all. */
  public Duration longestDrain() {
    return apps.stream().map(AppConfig::drain).max(Duration::compareTo).orElseThrow();
  }
}
