package dev.nonstop.proxy;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's global bound on buffer memory. Past {@link #limit} bytes in use, new requests are
 * refused (503) while the ones under way finish; below nine tenths of it they are taken again.
 * Each connection is bounded on its own (one read ahead, one write high-water mark); this bound
 * is for many of them at once, so that the process never meets an OutOfMemoryError.
 *
 * <p>{@link #update} runs on one event loop, a few times a second; {@link #isShort} is a volatile
 * read, from any loop.
 */
final class BufferMemory {
  private static final Logger log = LoggerFactory.getLogger(BufferMemory.class);
  static final long UPDATE_MILLIS = 50;

  private final long limit;
  private volatile LongSupplier inUse;
  private volatile boolean isShort;

  BufferMemory(long limit, LongSupplier inUse) {
    this.limit = limit;
    this.inUse = inUse;
  }

  /** {@code configured} bytes, or three quarters of the JVM's direct memory limit when 0. */
  static BufferMemory of(long configured) {
    long limit = configured > 0 ? configured : PlatformDependent.maxDirectMemory() / 4 * 3;
    return new BufferMemory(limit, BufferMemory::directMemoryInUse);
  }

  long limit() {
    return limit;
  }

  boolean isShort() {
    return isShort;
  }

  /** Tests measure with their own numbers, as they would set a clock. */
  void measureWith(LongSupplier supplier) {
    inUse = supplier;
    update();
  }

  void update() {
    long used = inUse.getAsLong();
    if (!isShort && used > limit) {
      isShort = true;
      log.warn("buffer memory short: {} MiB in use, limit {} MiB; new requests get 503 until it"
          + " frees", used >> 20, limit >> 20);
    } else if (isShort && used < limit / 10 * 9) {
      isShort = false;
      log.info("buffer memory back to {} MiB: taking new requests again", used >> 20);
    }
  }

  /**
   * Direct memory in use: Netty's own count where it allocates without the JDK's cleaner, plus the
   * JDK's count of direct buffers (the only one that moves when Netty does use the cleaner).
   */
  static long directMemoryInUse() {
    long netty = Math.max(0, PlatformDependent.usedDirectMemory());
    return netty + JdkDirect.POOL.getMemoryUsed();
  }

  /** Looked up once: the JDK's "direct" buffer pool. */
  private static final class JdkDirect {
    static final BufferPoolMXBean POOL =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct"))
            .findFirst()
            .orElseThrow();
  }
}
