package dev.nonstop.dashboard;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Config;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.instance.Ports;
import dev.nonstop.sample.SampleServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sample server; every release but the first ({@value #FIRST}) takes a few seconds to start,
 * so that a deploy lasts long enough for a browser to open the dashboard during it.
 */
public final class SlowApp {
  static final String FIRST = "1.0.1";

  private SlowApp() {}

  public static void main(String[] args) throws Exception {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (!all.get(all.indexOf("--version") + 1).equals(FIRST)) {
      all.add("--startup-delay");
      all.add("6s");
    }
    SampleServer.main(all.toArray(new String[0]));
  }

  /** A nonstop.yml in {@code dir}: two servers of this app, fast health checks, free ports. */
  static AppConfig config(Path dir) throws Exception {
    String cp = location(SlowApp.class) + File.pathSeparator + location(SampleServer.class);
    String java = ProcessHandle.current().info().command().orElse("java");
    String yaml = "app: hello\n"
        + "listen: 127.0.0.1:" + Ports.free() + "\n"
        + "admin: 127.0.0.1:" + Ports.free() + "\n"
        + "instances: 2\n"
        + "run: \"'" + java + "' -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp '" + cp
        + "' dev.nonstop.dashboard.SlowApp --version {version} --port {port}\"\n"
        + "health: { path: /health, interval: 100ms, timeout: 1s, rise: 2, fall: 2, deadline: 60s }\n"
        + "stop: { signal: TERM, timeout: 10s }\n"
        + "drain: 5s\n"
        + "bake: 2s\n"
        + "state: state\n";
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  /**
   * A nonstop.yml in {@code dir} with two apps, web (web.test, and every other host) and api
   * (api.test), one server each of the sample server.
   */
  static Config configApps(Path dir) throws Exception {
    String cp = location(SampleServer.class).toString();
    String java = ProcessHandle.current().info().command().orElse("java");
    StringBuilder yaml = new StringBuilder()
        .append("listen: 127.0.0.1:").append(Ports.free()).append('\n')
        .append("admin: 127.0.0.1:").append(Ports.free()).append('\n')
        .append("state: state\n")
        .append("apps:\n");
    for (String app : List.of("web", "api")) {
      yaml.append("  ").append(app).append(":\n")
          .append("    hosts: [").append(app).append(".test]\n")
          .append(app.equals("web") ? "    default: true\n" : "")
          .append("    instances: 1\n")
          .append("    run: \"'").append(java).append("' -Xmx48m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
          .append(" -Xshare:auto -cp '").append(cp)
          .append("' dev.nonstop.sample.SampleServer --version {version} --port {port}\"\n")
          .append("    health: { path: /health, interval: 100ms, timeout: 1s, rise: 2, fall: 2, deadline: 60s }\n")
          .append("    stop: { signal: TERM, timeout: 10s }\n");
    }
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, yaml.toString());
    return ConfigLoader.loadAll(file);
  }

  private static String location(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
