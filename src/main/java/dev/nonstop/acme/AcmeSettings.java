package dev.nonstop.acme;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.shredzone.acme4j.Session;

/**
 * What {@link AcmeCertificates} needs to know: the CA, who to tell about expiring certificates,
 * where to keep the files and which host names to cover. Invalid values are refused here, with
 * what was expected.
 *
 * @param directory the CA's ACME directory: an https URL, or an acme4j shortcut such as
 *     {@code acme://letsencrypt.org} or {@code acme://letsencrypt.org/staging}
 * @param email the account's contact, where the CA writes about expiring certificates; optional
 * @param folder where keys and certificates are kept, typically {@code STATE/acme}; made mode 0700
 * @param hosts the host names, one certificate each; exact names only (HTTP-01 cannot prove a
 *     wildcard)
 * @param caRoots PEM file of the roots to trust for the CA's own https address (a private CA, or
 *     a test CA); empty: the JDK's trusted roots
 * @param timing how often to look, how to retry and how long to wait for the CA
 */
public record AcmeSettings(
    URI directory, Optional<String> email, Path folder, List<String> hosts, Optional<Path> caRoots, Timing timing) {

  /** Let's Encrypt's production directory. */
  public static final URI LETS_ENCRYPT = URI.create("https://acme-v02.api.letsencrypt.org/directory");

  private static final String DIRECTORY_EXPECTED =
      "expected: the https URL of an ACME directory like " + LETS_ENCRYPT
          + ", or acme://letsencrypt.org or acme://letsencrypt.org/staging";
  private static final Pattern EMAIL = Pattern.compile("[^@\\s<>(),;:\"\\[\\]]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV4 = Pattern.compile("[0-9.]+");

  public AcmeSettings {
    checkDirectory(requireNonNull(directory, "directory"));
    email = requireNonNull(email, "email").map(AcmeSettings::checkEmail);
    requireNonNull(folder, "folder");
    hosts = checkHosts(requireNonNull(hosts, "hosts"));
    requireNonNull(caRoots, "caRoots");
    requireNonNull(timing, "timing");
    if (caRoots.isPresent() && !"https".equals(directory.getScheme())) {
      throw new IllegalArgumentException(
          "caRoots: " + caRoots.get() + " (expected: only with an https directory, not " + directory + ")");
    }
  }

  /**
   * Settings from the words of a config file, with the default timing and the JDK's roots.
   *
   * @param email may be null or blank: no contact
   */
  public static AcmeSettings of(String directory, String email, Path folder, Collection<String> hosts) {
    Optional<String> contact = Optional.ofNullable(email).map(String::strip).filter(e -> !e.isEmpty());
    return new AcmeSettings(parseDirectory(directory), contact, folder, List.copyOf(hosts), Optional.empty(), Timing.DEFAULT);
  }

  public AcmeSettings withCaRoots(Path roots) {
    return new AcmeSettings(directory, email, folder, hosts, Optional.of(roots), timing);
  }

  public AcmeSettings withTiming(Timing newTiming) {
    return new AcmeSettings(directory, email, folder, hosts, caRoots, newTiming);
  }

  /** The directory in {@code text}, or an error saying what was expected. */
  public static URI parseDirectory(String text) {
    requireNonNull(text, "directory");
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("directory: '" + text + "' is not a URL (" + DIRECTORY_EXPECTED + ")", e);
    }
    checkDirectory(uri);
    return uri;
  }

  private static void checkDirectory(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https") && uri.getHost() != null) {
      return;
    }
    if (scheme.equals("acme")) {
      try {
        new Session(uri); // finds the acme4j provider for it; no network yet
        return;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("directory: '" + uri + "' names no CA acme4j knows (" + DIRECTORY_EXPECTED + ")", e);
      }
    }
    if (scheme.equals("http")) {
      throw new IllegalArgumentException("directory: '" + uri + "' (" + DIRECTORY_EXPECTED + "; ACME is spoken over https only)");
    }
    throw new IllegalArgumentException("directory: '" + uri + "' (" + DIRECTORY_EXPECTED + ")");
  }

  /** {@code email} as one address (a {@code mailto:} dropped), or an error saying what was expected. */
  public static String checkEmail(String email) {
    String address = email.strip();
    if (address.regionMatches(true, 0, "mailto:", 0, 7)) {
      address = address.substring(7);
    }
    if (!EMAIL.matcher(address).matches()) {
      throw new IllegalArgumentException("email: '" + email + "' (expected: one address like admin@example.com)");
    }
    return address;
  }

  private static List<String> checkHosts(List<String> hosts) {
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("hosts: none (expected: at least one host name like app.example.com)");
    }
    Set<String> names = new LinkedHashSet<>();
    for (String host : hosts) {
      names.add(checkHost(host));
    }
    return List.copyOf(new ArrayList<>(names));
  }

  /** {@code host} in lower case, or an error saying what was expected. */
  public static String checkHost(String host) {
    requireNonNull(host, "host");
    String name = host.strip().toLowerCase(Locale.ROOT);
    String expected = " (expected: a host name like app.example.com";
    if (name.startsWith("*.")) {
      throw new IllegalArgumentException("host: '" + host + "'" + expected
          + "; a wildcard needs the DNS-01 challenge, which Nonstop does not answer: no wildcard, "
          + "as HTTP-01 cannot prove one; list each name)");
    }
    if (IPV4.matcher(name).matches() || name.contains(":")) {
      throw new IllegalArgumentException("host: '" + host + "'" + expected + ", not an IP address)");
    }
    if (!name.chars().allMatch(c -> c < 128)) {
      throw new IllegalArgumentException("host: '" + host + "'" + expected + "; write international names in their xn-- form)");
    }
    if (name.isEmpty() || name.length() > 253 || !allLabelsValid(name)) {
      throw new IllegalArgumentException("host: '" + host + "'" + expected
          + ": letters, digits and inner hyphens, labels of 1 to 63 joined by dots)");
    }
    return name;
  }

  private static boolean allLabelsValid(String name) {
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * How often and how patiently certificates are ordered.
   *
   * @param checkEvery the longest sleep between two looks at the certificates, so that a clock
   *     jump or a suspended machine cannot make a renewal late by more than this
   * @param firstRetry the wait after a first failed order; it doubles with each further failure
   * @param maxRetry the longest wait between two failed orders
   * @param pollEvery how often the CA is asked whether a challenge or order is done, unless it
   *     says when (Retry-After)
   * @param orderTimeout the longest wait for one order, from its challenges to its certificate
   */
  public record Timing(Duration checkEvery, Duration firstRetry, Duration maxRetry, Duration pollEvery, Duration orderTimeout) {
    public static final Timing DEFAULT =
        new Timing(Duration.ofMinutes(10), Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofSeconds(1), Duration.ofMinutes(2));

    public Timing {
      positive(checkEvery, "checkEvery");
      positive(firstRetry, "firstRetry");
      positive(maxRetry, "maxRetry");
      positive(pollEvery, "pollEvery");
      positive(orderTimeout, "orderTimeout");
      if (maxRetry.compareTo(firstRetry) < 0) {
        throw new IllegalArgumentException("maxRetry: " + maxRetry + " (expected: >= firstRetry " + firstRetry + ")");
      }
    }

    private static void positive(Duration d, String name) {
      if (requireNonNull(d, name).isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
    }
  }
}
