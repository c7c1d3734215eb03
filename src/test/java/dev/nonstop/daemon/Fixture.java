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

  static AppConfig config(Path dir, int instances, String extra) throws IOException {
    return config(dir, yaml(instances, extra));
  }

  static AppConfig config(Path dir, String yaml) throws IOException {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }
}
