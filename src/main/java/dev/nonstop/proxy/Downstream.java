package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The client side of an {@link Exchange}: an HTTP/1.1 connection ({@link ClientConnection}) or one
 * stream of an HTTP/2 connection ({@link H2Stream}). The exchange writes its response as HTTP/1.1
 * bytes, the backend's head and body as they came or the proxy's own answer; an HTTP/2 stream reads
 * them into frames. Event-loop confined, like the exchange.
 */
interface Downstream {
  /** The client's address, for X-Forwarded-For and the logs. */
  String clientIp();

  /** Whether the client came over TLS (X-Forwarded-Proto: https). */
  boolean secure();

  /** The proxy hands its listener off: the response to come is the last on this connection. */
  boolean handingOff();

  /** Nothing more is taken from the client: it is gone, or going. */
  boolean closing();

  ByteBufAllocator alloc();

  /** Queues bytes of the response; {@link #flush} sends them. */
  void write(ByteBuf bytes);

  void flush();

  /**
   * Whether the client takes more of its response now; when it does not, the exchange hears {@link
   * Exchange#clientWritable} once it does.
   */
  boolean writable();

  /** The exchange can take more of the request body (or tunnel bytes): the client may send them. */
  void readMore();

  /**
   * Ends the response unfinished (or a stream the proxy cut): what was written goes out, then the
   * client sees it end without its end. The exchange hears {@link Exchange#clientGone}, now or
   * soon.
   */
  void cut();

  /** The client took none of its response for the send timeout: cut, and nothing kept for it. */
  void reset();

  /** The exchange became a two-way tunnel (101): the client's bytes are no longer HTTP. */
  void tunnelOpened();

  /**
   * The exchange ended and its response is written: the client side ends with it when {@code
   * close} (the client still sending if {@code stillSending}), or takes the next request.
   */
  void exchangeEnded(boolean close, boolean stillSending);
}
