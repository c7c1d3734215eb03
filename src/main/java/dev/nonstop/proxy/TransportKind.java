package dev.nonstop.proxy;

import java.util.Locale;

/** Which I/O transport the proxy's event loops use; {@link #AUTO} takes the fastest one here. */
public enum TransportKind {
  AUTO, IO_URING, EPOLL, NIO;

  /** The name users write: {@code auto}, {@code io_uring}, {@code epoll}, {@code nio}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The kind named {@code s}, in any case. */
  public static TransportKind parse(String s) {
    for (TransportKind k : values()) {
      if (k.toString().equalsIgnoreCase(s.trim())) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown transport '" + s + "' (expected: auto, io_uring, epoll or nio)");
  }
}
