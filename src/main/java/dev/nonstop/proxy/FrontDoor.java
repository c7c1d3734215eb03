package dev.nonstop.proxy;

/**
 * What the proxy's listener speaks to clients. Backends are always spoken to in HTTP/1.1.
 *
 * @param tls the certificates, or null: the listener speaks plain text. With TLS, the protocol is
 *     the one ALPN agreed on: {@code h2} where the certificates offer it, else HTTP/1.1
 * @param h2c without TLS, a connection that opens with HTTP/2's preface speaks HTTP/2 (prior
 *     knowledge: a load balancer in front ended TLS); the others speak HTTP/1.1 as ever
 */
public record FrontDoor(Certificates tls, boolean h2c) {
  /** Plain HTTP/1.1: the default. */
  public static final FrontDoor PLAIN = new FrontDoor(null, false);

  /** Whether connections are TLS: requests go to backends with X-Forwarded-Proto: https. */
  public boolean secure() {
    return tls != null;
  }
}
