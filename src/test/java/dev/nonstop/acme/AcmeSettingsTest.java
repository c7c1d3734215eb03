package dev.nonstop.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AcmeSettingsTest {
  private static final Path FOLDER = Path.of("state", "acme");
  private static final List<String> HOSTS = List.of("app.example.com");

  private static AcmeSettings settings(String directory, String email, List<String> hosts) {
    return AcmeSettings.of(directory, email, FOLDER, hosts);
  }

  @Test
  void takesAnHttpsDirectoryOrAnAcme4jShortcut() {
    assertThat(settings("https://acme-v02.api.letsencrypt.org/directory", null, HOSTS).directory())
        .isEqualTo(AcmeSettings.LETS_ENCRYPT);
    assertThat(settings(" acme://letsencrypt.org/staging ", "", HOSTS).directory()).hasToString("acme://letsencrypt.org/staging");
  }

  @Test
  void refusesADirectoryThatIsNoHttpsUrlSayingWhatWasExpected() {
    for (String wrong : List.of("ftp://example.com/dir", "letsencrypt.org", "/directory", "https:///dir")) {
      assertThatThrownBy(() -> settings(wrong, null, HOSTS))
          .as(wrong)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("directory: '" + wrong + "'")
          .hasMessageContaining("expected: the https URL of an ACME directory like https://acme-v02.api.letsencrypt.org/directory");
    }
    assertThatThrownBy(() -> settings("https://exa mple.com/dir", null, HOSTS))
        .hasMessageStartingWith("directory: 'https://exa mple.com/dir' is not a URL (expected: ");
    assertThatThrownBy(() -> settings("http://127.0.0.1:14000/dir", null, HOSTS))
        .hasMessageContaining("ACME is spoken over https only");
    assertThatThrownBy(() -> settings("acme://no-such-ca.example", null, HOSTS))
        .hasMessageStartingWith("directory: 'acme://no-such-ca.example' names no CA acme4j knows (expected: ");
  }

  @Test
  void refusesAMistypedEmailSayingWhatWasExpected() {
    for (String wrong : List.of("admin", "admin@", "@example.com", "admin@example", "ad min@example.com",
        "a@example.com, b@example.com", "admin@@example.com")) {
      assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, wrong, HOSTS))
          .as(wrong)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("email: '" + wrong + "' (expected: one address like admin@example.com)");
    }
  }

  @Test
  void takesAnEmailWithOrWithoutMailtoAndNoneWhenBlank() {
    assertThat(settings(LetsEncrypt.STAGING, "mailto:ops@example.com", HOSTS).email()).contains("ops@example.com");
    assertThat(settings(LetsEncrypt.STAGING, " ops+acme@mail.example.co.uk ", HOSTS).email()).contains("ops+acme@mail.example.co.uk");
    assertThat(settings(LetsEncrypt.STAGING, "  ", HOSTS).email()).isEmpty();
  }

  @Test
  void refusesWildcardsAddressesAndMalformedHostNames() {
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of("*.example.com")))
        .hasMessageContaining("host: '*.example.com' (expected: a host name like app.example.com; a wildcard needs the DNS-01 challenge");
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of("10.0.0.1")))
        .hasMessage("host: '10.0.0.1' (expected: a host name like app.example.com, not an IP address)");
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of("::1"))).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of("bücher.example")))
        .hasMessageContaining("xn-- form");
    for (String wrong : List.of("", "app..example.com", "-app.example.com", "app-.example.com", "app.example.com.",
        "app_1.example.com", "a/b.example.com", "x".repeat(64) + ".example.com")) {
      assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of(wrong)))
          .as(wrong)
          .hasMessageStartingWith("host: '" + wrong + "' (expected: a host name like app.example.com: letters, digits");
    }
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, List.of()))
        .hasMessage("hosts: none (expected: at least one host name like app.example.com)");
  }

  @Test
  void keepsEachHostNameOnceInLowerCase() {
    assertThat(settings(LetsEncrypt.STAGING, null, List.of("App.Example.com", "app.example.com", "www.example.com")).hosts())
        .containsExactly("app.example.com", "www.example.com");
  }

  @Test
  void trustsOwnRootsOnlyForAnHttpsDirectory() {
    assertThatThrownBy(() -> settings(LetsEncrypt.STAGING, null, HOSTS).withCaRoots(Path.of("roots.pem")))
        .hasMessage("caRoots: roots.pem (expected: only with an https directory, not acme://letsencrypt.org/staging)");
    assertThat(settings("https://ca.internal/acme/directory", null, HOSTS).withCaRoots(Path.of("roots.pem")).caRoots())
        .contains(Path.of("roots.pem"));
  }

  @Test
  void refusesTimingsThatCannotWork() {
    assertThatThrownBy(() -> new AcmeSettings.Timing(Duration.ofMinutes(10), Duration.ZERO, Duration.ofHours(6), Duration.ofSeconds(1),
        Duration.ofMinutes(2))).hasMessage("firstRetry: PT0S (expected: > 0)");
    assertThatThrownBy(() -> new AcmeSettings.Timing(Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofMinutes(1),
        Duration.ofSeconds(1), Duration.ofMinutes(2))).hasMessage("maxRetry: PT1M (expected: >= firstRetry PT1H)");
  }

  @Test
  void defaultsToTheJdksRootsAndTheDefaultTiming() {
    AcmeSettings settings = new AcmeSettings(URI.create(LetsEncrypt.STAGING), Optional.empty(), FOLDER, HOSTS, Optional.empty(),
        AcmeSettings.Timing.DEFAULT);
    assertThat(settings).isEqualTo(settings(LetsEncrypt.STAGING, null, HOSTS));
    assertThat(settings.timing().firstRetry()).isEqualTo(Duration.ofMinutes(1));
    assertThat(settings.timing().maxRetry()).isEqualTo(Duration.ofHours(6));
  }

  private static final class LetsEncrypt {
    static final String STAGING = "acme://letsencrypt.org/staging";
  }
}
