package dev.nonstop.pool;

/** What the operator (or a deployment) wants for a backend, independent of its health. */
public enum AdminState {
  /** Takes new requests when it is also {@link Health#UP}. */
  READY,
  /** Takes no new requests; requests already bound to it run to completion. */
  DRAINING,
  /** Out of service: no traffic and no expectation that it is healthy. */
  MAINT
}
