package dev.nonstop.proxy;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Netty's response encoder told by the frontend when the response answers a HEAD, so that it
 * writes no body framing even when the headers announce one. Event-loop confined.
 */
final class ResponseEncoder extends HttpResponseEncoder {
  boolean head;

  @Override
  protected boolean isContentAlwaysEmpty(HttpResponse msg) {
    return head || super.isContentAlwaysEmpty(msg);
  }
}
