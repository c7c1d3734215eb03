package dev.nonstop.daemon;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.instance.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A nonstop.yml for the test app in a temporary folder, with fast health checks. */
final class Fixture {
  private Fixture() {}

  static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** The test app's classes and the sample server's: all a server process needs. */
  static String classpath() {
    return location(TestApp.class) + java.io.File.pathSeparator + location(dev.nonstop.sample.SampleServer.class);
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The config text; {@code extra} lines are appended (later keys must not repeat earlier ones). No
   * bake unless {@code extra} sets one: most tests are about the steps, and a bake only adds time.
   */
  static String yaml(int instances, String extra) {
    return yaml(instances, "30s", extra);
  }

  static String yaml(int instances, String healthDeadline, String extra) {
    return "app: hello\n"
        + "listen: 127.0.0.1:" + Ports.free() + "\n"
        + "admin: 127.0.0.1:" + Ports.free() + "\n"
        + "instances: " + instances + "\n"
        + "run: \"'" + java() + "' -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp '" + classpath()
        + "' dev.nonstop.daemon.TestApp --version {version} --port {port}\"\n"
        + "health: { path: /health, interval: 100ms, timeout: 1s, rise: 2, fall: 2, deadline: " + healthDeadline + " }\n"
        + "stop: { signal: TERM, timeout: 10s }\n"
        + "state: state\n"
        + (extra.contains("bake:") ? "" : "bake: 0s\n")
        + extra;
  }

  /** The process-wide keys of a file with {@code apps:}, then {@code apps:} and the {@code apps} blocks. */
  static String apps(String... apps) {
    return "listen: 127.0.0.1:" + Ports.free() + "\n"
        + "admin: 127.0.0.1:" + Ports.free() + "\n"
        + "state: state\n"
        + "apps:\n"
        + String.join("", apps);
  }

  /** One app of {@code apps:}, the test app as in {@link #yaml}; {@code extra} holds its hosts and other keys. */
  static String app(String name, int instances, String extra) {
    StringBuilder b = new StringBuilder("  " + name + ":\n")
        .append("    instances: ").append(instances).append('\n')
        .append("    run: \"'").append(java()).append("' -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp '")
        .append(classpath()).append("' dev.nonstop.daemon.TestApp --version {version} --port {port}\"\n")
        .append("    health: { path: /health, interval: 100ms, timeout: 1s, rise: 2, fall: 2, deadline: 30s }\n")
        .append("    stop: { signal: TERM, timeout: 10s }\n")
        .append("    bake: 0s\n");
    extra.lines().forEach(l -> b.append("    ").append(l).append('\n'));
    return b.toString();
  }

  static dev.nonstop.config.Config configAll(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return ConfigLoader.loadAll(file);
  }

  static AppConfig config(Path dir, int instances, String extra) throws IOException {
    return config(dir, yaml(instances, extra));
  }

  static AppConfig config(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }
}
