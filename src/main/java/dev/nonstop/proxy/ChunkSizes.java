package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Follows a chunked request body byte by byte, as the decoder consumes it, and judges each
 * chunk-size line on its own: at most 16 hex digits, a value that fits the decoder's int and the
 * body limit. Only sizes are read; data is skipped by count. Event-loop confined.
 */
final class ChunkSizes {
  private enum State { OFF, SIZE, EXTENSION, DATA, DATA_END }

  private static final int MAX_DIGITS = 16;

  private final long limit;
  private State state = State.OFF;
  private int digits;
  private long size;
  private long dataLeft;
  private String problem;

  /** {@code maxBody} 0 means no body limit: sizes are then bounded by the decoder's int alone. */
  ChunkSizes(long maxBody) {
    this.limit = maxBody > 0 ? Math.min(maxBody, Integer.MAX_VALUE) : Integer.MAX_VALUE;
  }

  boolean following() {
    return state != State.OFF;
  }

  void start() {
    state = State.SIZE;
    digits = 0;
    size = 0;
  }

  void stop() {
    state = State.OFF;
  }

  String problem() {
    return problem;
  }

  /** Reads the bytes {@code [from, to)} of {@code b}; false at a chunk size it refuses. */
  boolean accept(ByteBuf b, int from, int to) {
    int i = from;
    while (i < to && state != State.OFF) {
      switch (state) {
        case SIZE:
          i = size(b, i, to);
          if (i < 0) {
            return false;
          }
          break;
        case EXTENSION:
        case DATA_END:
          i = endOfLine(b, i, to);
          break;
        case DATA:
          int n = (int) Math.min(dataLeft, to - i);
          dataLeft -= n;
          i += n;
          if (dataLeft == 0) {
            state = State.DATA_END;
          }
          break;
        default:
          break;
      }
    }
    return true;
  }

  /** Reads size digits; at their end moves on. Returns the next index, or -1 if refused. */
  private int size(ByteBuf b, int i, int to) {
    for (; i < to; i++) {
      int d = Character.digit(b.getByte(i), 16);
      if (d < 0) {
        state = State.EXTENSION; // ';', white space or the line end: Netty judges those
        return i;
      }
      if (++digits > MAX_DIGITS) {
        problem = "more than " + MAX_DIGITS + " hex digits";
        return -1;
      }
      size = size * 16 + d;
      if (size > limit) {
        problem = "over " + limit + " bytes";
        return -1;
      }
    }
    return i;
  }

  /** Skips to the end of the line; after a size line, data follows (or the trailers). */
  private int endOfLine(ByteBuf b, int i, int to) {
    int lf = b.indexOf(i, to, (byte) '\n');
    if (lf < 0) {
      return to;
    }
    if (state == State.EXTENSION) {
      if (size == 0) {
        state = State.OFF; // the last chunk: trailers follow, and Netty bounds those
      } else {
        state = State.DATA;
        dataLeft = size;
      }
    } else {
      state = State.SIZE;
      digits = 0;
      size = 0;
    }
    return lf + 1;
  }
}
