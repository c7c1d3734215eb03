package dev.nonstop.proxy;

/**
 * What to do when a try of a request on a backend fails before the response is whole: the one
 * place a retry is decided. A pure function of the facts of the failure, so that its table of
 * cases is tested without sockets.
 */
final class RetryPolicy {
  enum Decision {
    /** The same backend, on a new connection: a pooled connection had gone stale. */
    RETRY_SAME_BACKEND,
    /** Another backend, as if this one had never been asked. */
    RETRY_ANOTHER_BACKEND,
    /** 502 to the client: it saw nothing yet, and the request cannot go again. */
    ANSWER_502,
    /** 504 to the client: the backend did not answer in time. */
    ANSWER_504,
    /** Close the client connection: it has part of a response, and only a close can say it ends. */
    CUT_RESPONSE,
    /** Nothing: the client went away. */
    GIVE_UP
  }

  /**
   * The facts of one failed try.
   *
   * @param timeout the backend did not answer within the response timeout
   * @param reusedConnection the try ran on a connection taken from the pool
   * @param headReceived the backend sent a response head (held back, or passed on)
   * @param clientSawBytes response bytes have reached the client
   * @param interimSent the client was sent an interim answer (100 Continue, 103)
   * @param headWritten the request head reached the backend's socket
   * @param bodyWritten part of the request body reached the backend's socket
   * @param bodyKept all of the body sent so far is kept, so it can be sent again
   * @param retryable the method is idempotent, or the request has an Idempotency-Key
   * @param backendUsable the backend may still be selected (not draining, not down)
   * @param staleRetriesLeft retries on stale pooled connections this request may still make
   * @param clientGone the client connection is closing
   */
  record Failure(
      boolean timeout,
      boolean reusedConnection,
      boolean headReceived,
      boolean clientSawBytes,
      boolean interimSent,
      boolean headWritten,
      boolean bodyWritten,
      boolean bodyKept,
      boolean retryable,
      boolean backendUsable,
      int staleRetriesLeft,
      boolean clientGone) {}

  private RetryPolicy() {}

  static Decision decide(Failure f) {
    if (f.clientGone()) {
      return Decision.GIVE_UP; // nobody to answer
    }
    if (f.clientSawBytes()) {
      return Decision.CUT_RESPONSE; // a response cannot start over
    }
    if (f.timeout()) {
      return Decision.ANSWER_504; // the backend may still be working on it: never twice
    }
    if (f.interimSent()) {
      return Decision.ANSWER_502; // the client already heard from this backend
    }
    if (f.headWritten() && !f.retryable()) {
      return Decision.ANSWER_502; // the backend may have acted on a request that is not safe twice
    }
    if (f.bodyWritten() && !f.bodyKept()) {
      return Decision.ANSWER_502; // the body cannot be sent again
    }
    if (f.reusedConnection() && !f.headReceived() && f.backendUsable()
        && f.staleRetriesLeft() > 0) {
      return Decision.RETRY_SAME_BACKEND; // the keep-alive race: the backend itself is fine
    }
    return Decision.RETRY_ANOTHER_BACKEND;
  }
}
