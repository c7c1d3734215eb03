package dev.nonstop.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * A request body on its way to a backend: the parts read but not yet sent on the current try,
 * and copies of the parts sent (up to {@link #MAX} bytes), so that a retry can send the whole body
 * again. Event-loop confined, like the exchange that owns it.
 */
final class ReplayBuffer {
  /** A retryable request's body is kept for a retry up to this size. */
  static final int MAX = 64 * 1024;

  /** Read from the client, not yet written on this try. */
  private ArrayDeque<HttpContent> pending;
  /** Copies of what this try wrote. */
  private ArrayDeque<HttpContent> sent;
  private int sentBytes;
  private boolean lost;

  /** Keeps {@code c} until the current try can take it. */
  void hold(HttpContent c) {
    if (pending == null) {
      pending = new ArrayDeque<>(4);
    }
    pending.add(c);
  }

  /** The next part to send on this try, or null. */
  HttpContent nextPending() {
    return pending == null ? null : pending.poll();
  }

  /** {@code c} is being sent; a copy is kept when {@code keep} and the body still fits. */
  void sending(HttpContent c, boolean keep) {
    if (!keep || lost) {
      return;
    }
    int n = c.content().readableBytes();
    if (sentBytes + n > MAX) {
      lost = true; // once this part is out, the body can no longer be sent again
      release(sent);
      return;
    }
    if (sent == null) {
      sent = new ArrayDeque<>(4);
    }
    sent.add(c.retainedDuplicate());
    sentBytes += n;
  }

  /** Whether what was sent is no longer all kept. */
  boolean lost() {
    return lost;
  }

  /** Before a retry: the copies of what was sent go first in line again. */
  void rewind() {
    if (sent == null || sent.isEmpty()) {
      return;
    }
    if (pending == null) {
      pending = new ArrayDeque<>(4);
    }
    HttpContent c;
    while ((c = sent.pollLast()) != null) {
      pending.addFirst(c);
    }
    sentBytes = 0;
  }

  /** Releases every part: the exchange ended. */
  void clear() {
    release(pending);
    release(sent);
    sentBytes = 0;
    lost = false;
  }

  private static void release(ArrayDeque<HttpContent> q) {
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        ReferenceCountUtil.release(c);
      }
    }
  }
}
