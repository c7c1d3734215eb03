package dev.nonstop.proxy;

import java.net.InetSocketAddress;

/**
 * The transport the proxy tests run on, named by {@code -Dnonstop.test.transport} (the build runs
 * this package once per transport); {@code auto} when unset.
 */
final class TestTransport {
  static final TransportKind KIND =
      TransportKind.parse(System.getProperty("nonstop.test.transport", "auto"));

  private TestTransport() {}

  /** The default options, listening on a free port of 127.0.0.1, on the transport under test. */
  static ProxyOptions options() {
    return ProxyOptions.defaults(new InetSocketAddress("127.0.0.1", 0)).withTransport(KIND);
  }
}
