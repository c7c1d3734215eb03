/**
 * The data plane: an HTTP reverse proxy on Netty (HTTP/1.1 and HTTP/2 to clients, HTTP/1.1 to
 * backends). The request's path through the files:
 * {@link dev.nonstop.proxy.Proxy} (listener, pool reference, drain) → {@code AcceptGate} (pauses
 * accepts at the connection limit, or when descriptors run out) → {@code RequestDecoder} →
 * {@code ClientConnection} (one client connection: reading, pipelining, its deadlines) →
 * {@code Exchange} (one request and its response) → {@code Attempt} (one try on one backend;
 * {@code RetryPolicy} decides the next) → {@code ConnectionPool} (idle backend connections of one
 * event loop) → {@code BackendConnection} and its {@code ResponseReader}. A backend
 * connection always runs on the event loop of the client connection it serves, so no state here
 * needs a lock. HTTP/2: {@code H2Connection} (Netty's codec, one handler per connection) →
 * {@code H2Stream} (one stream; the client side of its {@code Exchange}, as a {@code
 * ClientConnection} is for HTTP/1.1: both are a {@code Downstream}) → the same exchange.
 */
package dev.nonstop.proxy;
