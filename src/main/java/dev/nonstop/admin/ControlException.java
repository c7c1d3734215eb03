package dev.nonstop.admin;

/** A refused admin call: the HTTP status and a message for the person who made it. */
public final class ControlException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public ControlException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
