package dev.nonstop.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Http01ChallengesTest {
  private final Http01Challenges challenges = new Http01Challenges();

  @Test
  void answersTheWellKnownPathOfATokenUntilItIsRemoved() {
    challenges.put("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3");

    assertThat(challenges.answer("/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"))
        .contains("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3");
    assertThat(challenges.answer("/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0?x=1"))
        .as("a query is ignored").isPresent();

    challenges.remove("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
    assertThat(challenges.answer("/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0")).isEmpty();
    assertThat(challenges.isEmpty()).isTrue();
  }

  @Test
  void answersNothingElse() {
    challenges.put("token_1-A", "token_1-A.thumbprint");

    assertThat(challenges.answer("/.well-known/acme-challenge/other")).isEmpty();
    assertThat(challenges.answer("/.well-known/acme-challenge/")).isEmpty();
    assertThat(challenges.answer("/.well-known/acme-challenge/token_1-A/")).isEmpty();
    assertThat(challenges.answer("/.well-known/acme-challenge/../acme-challenge/token_1-A")).isEmpty();
    assertThat(challenges.answer("/.well-known/acme-challenge/token_1-%41")).isEmpty();
    assertThat(challenges.answer("/token_1-A")).isEmpty();
    assertThat(challenges.answer("/.WELL-KNOWN/acme-challenge/token_1-A")).isEmpty();
    assertThat(challenges.answer("")).isEmpty();
    assertThat(challenges.answer(null)).isEmpty();
  }

  @Test
  void refusesATokenThatIsNotBase64url() {
    assertThatThrownBy(() -> challenges.put("../etc/passwd", "x"))
        .hasMessage("token: '../etc/passwd' (expected: base64url characters, as RFC 8555 sets)");
  }
}
