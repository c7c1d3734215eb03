package dev.nonstop.pool;

/** What checks (active probes and live traffic) say about a backend. */
public enum Health {
  UP,
  DOWN
}
