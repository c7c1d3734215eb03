package dev.nonstop.deploy;

/** A deployment step that could not be done; the message is for the operator, several lines allowed. */
public final class DeployException extends Exception {
  private static final long serialVersionUID = 1L;

  public DeployException(String message) {
    super(message);
  }

  public DeployException(String message, Throwable cause) {
    super(message, cause);
  }
}
