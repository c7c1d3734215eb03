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
  /** The most in use at one update over the last two windows of {@link #PEAK_MILLIS}. */
  private volatile long peak;
  private long peakInWindow;
  private long windowStart;
  static final long PEAK_MILLIS = 2_000;

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

  /**
   * The most direct memory in use at an update of the last two to four seconds: what a dying event
   * loop had to work with, even if its buffers were freed as it died.
   */
  long recentPeak() {
    return Math.max(peak, peakInWindow);
  }

  void update() {
    long used = inUse.getAsLong();
    long now = System.nanoTime() / 1_000_000;
    if (now - windowStart >= PEAK_MILLIS) {
      peak = peakInWindow;
      peakInWindow = 0;
      windowStart = now;
    }
    peakInWindow = Math.max(peakInWindow, used);
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
