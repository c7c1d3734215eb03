package dev.nonstop.proxy;

import dev.nonstop.pool.Backend;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The idle backend connections of one event loop, by backend. Confined to that event loop: no
 * locks. The most recently used connection is reused first (so the others age out), and an idle
 * connection keeps a read pending so that a FIN from the backend removes it at once.
 */
final class ConnectionPool {
  private final Map<Backend, ArrayDeque<BackendConnection>> idle = new IdentityHashMap<>();
  private final long keepAliveNanos;

  ConnectionPool(long keepAliveNanos) {
    this.keepAliveNanos = keepAliveNanos;
  }

  /** A live idle connection to {@code backend}, taken out of the pool, or null. */
  BackendConnection poll(Backend backend) {
    ArrayDeque<BackendConnection> q = idle.get(backend);
    if (q == null) {
      return null;
    }
    BackendConnection c;
    while ((c = q.pollLast()) != null) {
      c.inPool = false;
      if (c.channel().isActive()) {
        return c;
      }
    }
    return null;
  }

  void offer(BackendConnection c, long now) {
    c.inPool = true;
    c.idleSince = now;
    idle.computeIfAbsent(c.backend(), b -> new ArrayDeque<>()).addLast(c);
    c.channel().read();
  }

  void remove(BackendConnection c) {
    if (!c.inPool) {
      return;
    }
    c.inPool = false;
    ArrayDeque<BackendConnection> q = idle.get(c.backend());
    if (q != null) {
      q.remove(c);
      if (q.isEmpty()) {
        idle.remove(c.backend());
      }
    }
  }

  /** Closes every idle connection to {@code backend}; returns how many. */
  int closeIdle(Backend backend) {
    ArrayDeque<BackendConnection> q = idle.remove(backend);
    if (q == null) {
      return 0;
    }
    int n = q.size();
    for (BackendConnection c : q) {
      c.inPool = false;
      c.channel().close();
    }
    return n;
  }

  /** Closes the connections idle since {@code now - keepAlive + slack} or longer. */
  void expire(long now, long slackNanos) {
    long limit = keepAliveNanos - slackNanos;
    for (Iterator<ArrayDeque<BackendConnection>> it = idle.values().iterator(); it.hasNext(); ) {
      ArrayDeque<BackendConnection> q = it.next();
      BackendConnection c;
      while ((c = q.peekFirst()) != null && now - c.idleSince >= limit) {
        q.pollFirst();
        c.inPool = false;
        c.channel().close();
      }
      if (q.isEmpty()) {
        it.remove();
      }
    }
  }

  int size() {
    int n = 0;
    for (ArrayDeque<BackendConnection> q : idle.values()) {
      n += q.size();
    }
    return n;
  }
}
