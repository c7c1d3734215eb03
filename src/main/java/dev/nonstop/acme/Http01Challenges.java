package dev.nonstop.acme;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The answers to the HTTP-01 challenges under way: the CA fetches
 * {@code http://HOST/.well-known/acme-challenge/TOKEN} on port 80 and expects the key
 * authorization as the body. The proxy's plain-HTTP listener calls {@link #answer} for each
 * request and, when there is an answer, sends it as a 200 {@code text/plain} response instead of
 * forwarding the request (404 under that prefix otherwise).
 *
 * <p>Thread-safe: the certificates' thread puts and removes, event loops read.
 */
public final class Http01Challenges {
  /** Where the CA looks for the answers. */
  public static final String PATH_PREFIX = "/.well-known/acme-challenge/";
  // RFC 8555 8.1: a token is base64url without padding; nothing else is ever looked up
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

  private final Map<String, String> answers = new ConcurrentHashMap<>();

  /** Answers {@code token} with {@code keyAuthorization} until it is removed. */
  public void put(String token, String keyAuthorization) {
    requireNonNull(keyAuthorization, "keyAuthorization");
    answers.put(checkToken(token), keyAuthorization);
  }

  public void remove(String token) {
    answers.remove(requireNonNull(token, "token"));
  }

  /**
   * The body to answer {@code requestPath} with (the request target's path, a query is ignored),
   * or empty when it is not a challenge under way.
   */
  public Optional<String> answer(String requestPath) {
    if (requestPath == null || !requestPath.startsWith(PATH_PREFIX)) {
      return Optional.empty();
    }
    int query = requestPath.indexOf('?');
    String token = requestPath.substring(PATH_PREFIX.length(), query < 0 ? requestPath.length() : query);
    return TOKEN.matcher(token).matches() ? Optional.ofNullable(answers.get(token)) : Optional.empty();
  }

  /** Whether any challenge is under way. */
  public boolean isEmpty() {
    return answers.isEmpty();
  }

  private static String checkToken(String token) {
    requireNonNull(token, "token");
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException("token: '" + token + "' (expected: base64url characters, as RFC 8555 sets)");
    }
    return token;
  }
}
