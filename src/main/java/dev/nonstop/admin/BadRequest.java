package dev.nonstop.admin;

/** A request the admin API cannot read; the message says what was expected. Answered with 400. */
final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadRequest(String message) {
    super(message);
  }
}
