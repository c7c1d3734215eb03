package dev.nonstop.config;

import static java.util.Objects.requireNonNull;

import dev.nonstop.config.YamlTree.Mapping;
import dev.nonstop.config.YamlTree.Node;
import dev.nonstop.config.YamlTree.Position;
import dev.nonstop.config.YamlTree.Scalar;
import dev.nonstop.health.HealthCheck;
import dev.nonstop.proxy.Limits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code nonstop.yml}. Everything wrong with a file is found here, before
 * anything starts, and reported as {@code file:line:column: what was wrong (expected: ...)}.
 * Stateless and thread-safe.
 */
public final class ConfigLoader {
  public static final String FILE_NAME = "nonstop.yml";

  static final List<String> KEYS = List.of("app", "listen", "admin", "instances", "run", "workdir", "env",
      "health", "drain", "stop", "strategy", "batch", "surge", "keep-old", "preview", "state", "balance", "limits",
      "streams", "tls", "h2c", "bake", "judge", "canary", "hooks", "apps");
  /** The keys of one app: under each app of {@code apps:}, or at the top level without it. */
  static final List<String> APP_KEYS = List.of("instances", "run", "workdir", "env", "health", "drain", "stop",
      "strategy", "batch", "surge", "keep-old", "preview", "balance", "bake", "judge", "canary", "hooks");
  static final List<String> HEALTH_KEYS = List.of("path", "interval", "timeout", "rise", "fall", "deadline");
  static final List<String> STOP_KEYS = List.of("signal", "timeout");
  static final List<String> LIMITS_KEYS = List.of("max-connections", "max-body", "send-timeout", "min-body-rate",
      "body-rate-window", "max-buffer-memory");
  static final List<String> STREAMS_KEYS = List.of("on-switch", "idle-timeout");
  static final List<String> SIGNALS = List.of("TERM", "INT", "HUP", "QUIT", "KILL");
  static final List<String> BALANCES = List.of("least-in-flight", "round-robin");
  private static final Set<String> PLACEHOLDERS = Set.of("version", "port", "instance");
  private static final Pattern APP = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

  private ConfigLoader() {}

  /**
   * Reads {@code file}; a folder means the {@code nonstop.yml} in it. For a file with
   * {@code apps:}, the first app (with the process-wide settings, which every app shares); see
   * {@link #loadAll} for them all.
   *
   * @throws ConfigException with file:line:column and what was expected
   */
  public static AppConfig load(Path file) {
    return loadAll(file).first();
  }

  /** Reads {@code file} with all its apps, as {@link #load} does. */
  public static Config loadAll(Path file) {
    requireNonNull(file, "file");
    Path path = file.toAbsolutePath().normalize();
    if (Files.isDirectory(path)) {
      path = path.resolve(FILE_NAME);
    }
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new ConfigException(FILE_NAME + " not found at " + path + " (expected: a " + FILE_NAME + "; pass -f FILE)", e);
    } catch (CharacterCodingException e) {
      throw new ConfigException(path + ": not UTF-8 text (expected: a YAML file in UTF-8)", e);
    } catch (IOException e) {
      throw new ConfigException(path + ": cannot be read: " + e, e);
    }
    return parseAll(text, path);
  }

  /**
   * Reads {@code yamlText} as if it were the content of {@code file}, which anchors relative paths
   * and names the file in errors; the file itself is not read. The first app, as {@link #load}.
   */
  public static AppConfig parse(String yamlText, Path file) {
    return parseAll(yamlText, file).first();
  }

  /** As {@link #parse}, with all the apps. */
  public static Config parseAll(String yamlText, Path file) {
    requireNonNull(yamlText, "yamlText");
    Path path = requireNonNull(file, "file").toAbsolutePath().normalize();
    Node root = YamlTree.parse(yamlText, path);
    if (root == null) {
      throw Section.error(path, Position.START, "empty file (expected: at least app, listen and run, e.g. 'app: hello')");
    }
    if (!(root instanceof Mapping m)) {
      throw Section.error(path, root.at(), Section.describe(root) + " (expected: a mapping of keys such as 'app: hello')");
    }
    Section top = new Section(path, "", m);
    top.allowOnly(KEYS);
    if (top.node("apps") != null) {
      return AppsSection.read(top);
    }
    Shared shared = shared(top, /* hostsFromApps= */ false);
    String app = top.parsed("app", null, "a name of letters, digits, - and _, e.g. hello", ConfigLoader::appName);
    return Config.single(app(top, app, shared, Routing.ALL));
  }

  /** The process-wide settings, which stay at the top level beside {@code apps:}. */
  record Shared(Path file, InetSocketAddress listen, InetSocketAddress admin, Path state, Limits limits,
      Streams streams, TlsConfig tls, boolean h2c) {
    Shared withTls(TlsConfig next) {
      return new Shared(file, listen, admin, state, limits, streams, next, h2c);
    }
  }

  static Shared shared(Section top, boolean hostsFromApps) {
    Path folder = top.file().getParent();
    InetSocketAddress listen = top.address("listen", true);
    InetSocketAddress admin = top.address("admin", false);
    if (admin == null) {
      admin = defaultAdmin(top, listen);
    } else if (admin.getPort() != 0 && admin.getPort() == listen.getPort()) {
      throw top.wrong("admin", top.node("admin"), "a port other than listen's");
    }
    Section limits = sectionOrEmpty(top, "limits");
    limits.allowOnly(LIMITS_KEYS);
    Section streams = sectionOrEmpty(top, "streams");
    streams.allowOnly(STREAMS_KEYS);
    return new Shared(top.file(), listen, admin,
        folder.resolve(top.text("state", ".nonstop", "a folder")).normalize(),
        limits(limits),
        new Streams(
            streams.parsed("on-switch", Boolean.FALSE, "keep or close", ConfigLoader::onSwitch),
            streams.duration("idle-timeout", Duration.ofHours(1), true)),
        tls(top, folder, listen, admin, hostsFromApps),
        top.parsed("h2c", Boolean.FALSE, "true or false", ConfigLoader::bool));
  }

  /** One app's settings from {@code s} (the top level, or its entry under {@code apps:}). */
  static AppConfig app(Section s, String name, Shared shared, Routing routing) {
    Path folder = shared.file().getParent();
    int instances = s.integer("instances", 2, 1, 64);
    String run = run(s);
    Path workdir = folder.resolve(s.text("workdir", ".", "a folder")).normalize();
    Map<String, String> env = env(s);
    Section health = sectionOrEmpty(s, "health");
    health.allowOnly(HEALTH_KEYS);
    Section stop = sectionOrEmpty(s, "stop");
    stop.allowOnly(STOP_KEYS);
    return new AppConfig(
        shared.file(), name, shared.listen(), shared.admin(), instances, run, workdir, env,
        healthCheck(health),
        health.duration("deadline", Duration.ofSeconds(60), true),
        s.duration("drain", Duration.ofSeconds(30), false),
        stop.parsed("signal", "TERM", "one of " + String.join(", ", SIGNALS), ConfigLoader::signal),
        stop.duration("timeout", Duration.ofSeconds(10), false),
        s.parsed("strategy", Strategy.IN_PLACE, Strategy.EXPECTED, Strategy::parse),
        s.parsed("batch", Batch.parse("50%"), "a count of at least 1 like 2, or a percent like 50%", Batch::parse),
        s.integer("surge", 0, 0, 64),
        s.duration("keep-old", Duration.ofMinutes(10), false),
        preview(s, shared.listen(), shared.admin()),
        shared.state(),
        s.parsed("balance", "least-in-flight", "least-in-flight or round-robin", ConfigLoader::balance),
        shared.limits(),
        shared.streams(),
        shared.tls(),
        shared.h2c(),
        s.duration("bake", AppConfig.DEFAULT_BAKE, false),
        DeploySections.judge(sectionOrEmpty(s, "judge")),
        DeploySections.canary(sectionOrEmpty(s, "canary")),
        DeploySections.hooks(sectionOrEmpty(s, "hooks")),
        routing);
  }

  private static TlsConfig tls(Section top, Path folder, InetSocketAddress listen,
      InetSocketAddress admin, boolean hostsFromApps) {
    TlsConfig tls = TlsConfig.read(top, folder, hostsFromApps);
    if (tls != null && tls.redirectHttp() != null && tls.redirectHttp().getPort() != 0
        && (tls.redirectHttp().getPort() == listen.getPort()
            || tls.redirectHttp().getPort() == admin.getPort())) {
      throw top.section("tls").wrong("redirect-http", top.section("tls").node("redirect-http"),
          "a port other than listen's and admin's");
    }
    if (tls != null && top.node("h2c") != null) {
      throw top.wrong("h2c", top.node("h2c"), "no h2c with tls (with TLS, HTTP/2 is agreed by "
          + "ALPN: tls.http2)");
    }
    return tls;
  }

  static Boolean bool(String s) {
    if (s.equals("true")) {
      return Boolean.TRUE;
    }
    if (s.equals("false")) {
      return Boolean.FALSE;
    }
    throw new IllegalArgumentException(s);
  }

  private static Boolean onSwitch(String word) {
    switch (word) {
      case "keep":
        return Boolean.FALSE;
      case "close":
        return Boolean.TRUE;
      default:
        throw new IllegalArgumentException(word);
    }
  }

  /** Loopback, the port after listen's: two apps on one host do not collide when listen differs by two. */
  private static InetSocketAddress defaultAdmin(Section top, InetSocketAddress listen) {
    int port = listen.getPort();
    if (port == 65535) {
      throw top.wrong("listen", top.node("listen"), "a port below 65535 so that admin can default to the next one, or an admin key");
    }
    return new InetSocketAddress("127.0.0.1", port == 0 ? 0 : port + 1);
  }

  private static InetSocketAddress preview(Section top, InetSocketAddress listen, InetSocketAddress admin) {
    InetSocketAddress preview = top.address("preview", false);
    if (preview != null && preview.getPort() != 0
        && (preview.getPort() == listen.getPort() || preview.getPort() == admin.getPort())) {
      throw top.wrong("preview", top.node("preview"), "a port other than listen's and admin's");
    }
    return preview;
  }

  private static String run(Section top) {
    String expected = "the command that starts one server, e.g. java -jar app-{version}.jar --port={port}";
    String run = top.text("run", null, expected);
    if (run.isBlank()) {
      throw top.wrong("run", top.node("run"), expected);
    }
    Matcher m = PLACEHOLDER.matcher(run);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        throw top.wrong("run", top.node("run"), "only the placeholders {version}, {port} and {instance}, not {" + m.group(1) + "}");
      }
    }
    return run;
  }

  private static Map<String, String> env(Section top) {
    Section env = top.section("env");
    if (env == null) {
      return Map.of();
    }
    Map<String, String> vars = new LinkedHashMap<>();
    for (YamlTree.Entry e : env.mapping().entries().values()) {
      if (!ENV_NAME.matcher(e.key()).matches()) {
        throw Section.error(env.file(), e.keyAt(),
            "env." + e.key() + ": not a variable name (expected: letters, digits and _, not starting with a digit)");
      }
      if (!(e.value() instanceof Scalar s)) {
        throw env.wrong(e.key(), e.value(), "a string, number or true/false");
      }
      vars.put(e.key(), s.isNull() ? "" : s.text());
    }
    return Collections.unmodifiableMap(vars);
  }

  private static HealthCheck healthCheck(Section health) {
    String path = health.text("path", "/", "a path starting with /, e.g. /health");
    if (!path.startsWith("/")) {
      throw health.wrong("path", health.node("path"), "a path starting with /, e.g. /health");
    }
    return new HealthCheck(
        path,
        health.duration("interval", Duration.ofSeconds(1), true),
        health.duration("timeout", Duration.ofSeconds(1), true),
        health.integer("rise", 2, 1, 100),
        health.integer("fall", 3, 1, 100));
  }

  /** Each absent key keeps {@link Limits#DEFAULT}'s value. */
  private static Limits limits(Section limits) {
    Limits d = Limits.DEFAULT;
    return new Limits(
        limits.integer("max-connections", d.maxConnections(), 0, Integer.MAX_VALUE),
        limits.size("max-body", d.maxBody()),
        limits.duration("send-timeout", d.sendTimeout(), true),
        limits.intSize("min-body-rate", d.minBodyRate()),
        limits.duration("body-rate-window", d.bodyRateWindow(), true),
        limits.size("max-buffer-memory", d.maxBufferMemory()));
  }

  /** {@code key}'s section, or an empty one (so that its defaults apply) when the key is absent. */
  static Section sectionOrEmpty(Section top, String key) {
    Section s = top.section(key);
    return s != null ? s : new Section(top.file(), top.prefix() + key + ".", new Mapping(Map.of(), top.at()));
  }

  static String appName(String text) {
    if (!APP.matcher(text).matches()) {
      throw new IllegalArgumentException();
    }
    return text;
  }

  private static String signal(String text) {
    String s = text.strip().toUpperCase(Locale.ROOT);
    s = s.startsWith("SIG") ? s.substring(3) : s;
    if (!SIGNALS.contains(s)) {
      throw new IllegalArgumentException();
    }
    return s;
  }

  private static String balance(String text) {
    if (!BALANCES.contains(text)) {
      throw new IllegalArgumentException();
    }
    return text;
  }
}
