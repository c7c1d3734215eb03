package dev.nonstop.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppsConfigTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("nonstop.yml");
  }

  private Config parse(String yaml) {
    return ConfigLoader.parseAll(yaml, file());
  }

  private AbstractThrowableAssert<?, ? extends Throwable> refused(String yaml) {
    return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class);
  }

  private static final String TWO_APPS = """
      listen: 127.0.0.1:8080
      state: /var/lib/nonstop
      apps:
        web:
          run: ./web --port={port}
          instances: 3
          hosts: [Example.com, www.example.com, "*.shop.example.com"]
          default: true
        api:
          run: ./api --port={port}
          drain: 5s
          hosts: [example.com]
          path: /api/
          strip-path: true
      """;

  @Test
  void eachAppHasItsOwnSettingsAndTheProcessOnesOfTheTop() {
    Config config = parse(TWO_APPS);
    assertThat(config.routed()).isTrue();
    assertThat(config.names()).containsExactly("web", "api");
    AppConfig web = config.app("web");
    AppConfig api = config.app("api");
    assertThat(web.instances()).isEqualTo(3);
    assertThat(api.instances()).isEqualTo(2);
    assertThat(api.drain()).isEqualTo(Duration.ofSeconds(5));
    assertThat(web.listen()).isEqualTo(api.listen());
    assertThat(web.state()).isEqualTo(Path.of("/var/lib/nonstop"));
    assertThat(api.state()).isEqualTo(web.state());
    assertThat(web.routing()).isEqualTo(new Routing(List.of("example.com", "www.example.com", "*.shop.example.com"),
        true, "/", false));
    assertThat(api.routing()).isEqualTo(new Routing(List.of("example.com"), false, "/api", true));
    assertThat(config.longestDrain()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aFileWithoutAppsIsOneAppThatAnswersEveryRequest() {
    Config config = parse("app: hello\nlisten: 127.0.0.1:8080\nrun: ./hello\n");
    assertThat(config.routed()).isFalse();
    assertThat(config.names()).containsExactly("hello");
    assertThat(config.first().routing()).isEqualTo(Routing.ALL);
  }

  @Test
  void anAppNameMustBeASimpleName() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          "my app": { run: ./a, default: true }
        """).hasMessage(file() + ":3:3: apps: 'my app' is not an app name (expected: 1 to 64 letters, digits, - and _, e.g. web)");
  }

  @Test
  void anAppKeyBesideAppsIsRefused() {
    refused("""
        listen: 127.0.0.1:8080
        instances: 4
        apps:
          web: { run: ./a, default: true }
        """).hasMessageStartingWith(file() + ":2:1: 'instances' beside 'apps:' (expected: it under each app in apps:");
    refused("""
        app: hello
        listen: 127.0.0.1:8080
        apps:
          web: { run: ./a, default: true }
        """).hasMessageStartingWith(file() + ":1:1: 'app' beside 'apps:'");
  }

  @Test
  void twoAppsCannotClaimTheSameHostAndPath() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          web: { run: ./a, hosts: [example.com] }
          api:
            run: ./b
            hosts: [a.example.com, EXAMPLE.com]
        """).hasMessageStartingWith(file() + ":6:28: apps.api.hosts: example.com is already app web's (expected:");
    Config shared = parse("""
        listen: 127.0.0.1:8080
        apps:
          web: { run: ./a, hosts: [example.com] }
          api: { run: ./b, hosts: [example.com], path: /api }
        """);
    assertThat(shared.app("api").routing().path()).isEqualTo("/api");
  }

  @Test
  void atMostOneAppIsTheDefault() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          web: { run: ./a, default: true }
          api: { run: ./b, default: true }
        """).hasMessage(file() + ":4:29: apps.api.default: true (expected: one default app, and web is the default already)");
  }

  @Test
  void aMalformedHostNameIsRefused() {
    for (String bad : List.of("exa mple.com", "a..b", "*.*.example.com", "*.com", "https://example.com", "example.com:80", "-a.com")) {
      refused("listen: 127.0.0.1:8080\napps:\n  web:\n    run: ./a\n    hosts: [\"" + bad + "\"]\n")
          .hasMessageStartingWith(file() + ":5:13: apps.web.hosts: " + bad + " (expected: a host name like example.com");
    }
  }

  @Test
  void aPathMustStartWithASlash() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          api: { run: ./b, hosts: [example.com], path: api }
        """).hasMessage(file() + ":3:48: apps.api.path: api (expected: a path that starts with /, e.g. /api)");
  }

  @Test
  void anAppNeedsHostsOrToBeTheDefault() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          web: { run: ./a, default: true }
          api: { run: ./b }
        """).hasMessage(file() + ":4:3: apps.api: no hosts, and not the default app (expected: hosts: [example.com], "
            + "or default: true for the hosts no other app names)");
  }

  @Test
  void acmeTakesTheAppsExactHostsWhenItListsNone() {
    Config config = parse("""
        listen: 127.0.0.1:8443
        tls: { cert: wild.pem, key: wild.key, redirect-http: 127.0.0.1:8081, acme: { email: ops@example.com } }
        apps:
          web: { run: ./a, hosts: [example.com, "*.example.com", www.example.com], default: true }
          api: { run: ./b, hosts: [api.example.com, example.com], path: /api }
        """);
    assertThat(config.tls().acme().hosts()).containsExactly("example.com", "www.example.com", "api.example.com");
    assertThat(config.app("api").tls()).isEqualTo(config.tls());
  }

  @Test
  void acmeRefusesAWildcardThatNoCertificateFileCovers() {
    refused("""
        listen: 127.0.0.1:8443
        tls: { redirect-http: 127.0.0.1:8081, acme: { email: ops@example.com } }
        apps:
          web: { run: ./a, hosts: [example.com, "*.example.com"], default: true }
        """).hasMessageStartingWith(file() + ":4:41: apps.web.hosts: *.example.com has no certificate: tls.acme's "
            + "HTTP-01 challenge cannot prove a wildcard, and tls has no certificate file (expected: ");
  }

  @Test
  void acmeWithAnAppOfOnlyWildcardsSaysHttp01CannotProveThem() {
    refused("""
        listen: 127.0.0.1:8443
        tls: { redirect-http: 127.0.0.1:8081, acme: { email: ops@example.com } }
        apps:
          web: { run: ./a, hosts: [example.com] }
          shop: { run: ./b, hosts: ["*.shop.example.com"] }
        """).hasMessageStartingWith(file() + ":5:28: apps.shop.hosts: only wildcards (*.shop.example.com), but "
            + "tls.acme takes its names from the apps' hosts, and its HTTP-01 challenge cannot prove a wildcard (expected: ");
    Config listed = parse("""
        listen: 127.0.0.1:8443
        tls: { redirect-http: 127.0.0.1:8081, acme: { email: ops@example.com, hosts: [example.com] } }
        apps:
          web: { run: ./a, hosts: [example.com] }
          shop: { run: ./b, hosts: ["*.shop.example.com"] }
        """);
    assertThat(listed.tls().acme().hosts()).containsExactly("example.com");
  }

  @Test
  void unknownKeysInAnAppAreNamedWithTheirApp() {
    refused("""
        listen: 127.0.0.1:8080
        apps:
          web:
            run: ./a
            default: true
            replicas: 2
        """).hasMessageStartingWith(file() + ":6:5: unknown key 'apps.web.replicas'");
    refused("""
        listen: 127.0.0.1:8080
        apps:
          web:
            run: ./a
            default: true
            health: { path: health }
        """).hasMessageStartingWith(file() + ":6:21: apps.web.health.path: health (expected: a path starting with /");
  }

  @Test
  void theReadmesExampleOfSeveralAppsIsAValidFile() throws Exception {
    String readme = java.nio.file.Files.readString(Path.of("README.md"));
    int start = readme.indexOf("```yaml\nlisten: 0.0.0.0:443\nadmin: 127.0.0.1:8081");
    String yaml = readme.substring(start + 8, readme.indexOf("```", start + 8));

    Config config = parse(yaml);

    assertThat(config.names()).containsExactly("web", "api");
    assertThat(config.tls().acme().hosts()).containsExactly("example.com", "www.example.com", "api.example.com");
    assertThat(config.app("api").routing()).isEqualTo(new Routing(List.of("api.example.com", "example.com"), false,
        "/api", true));
  }
}
