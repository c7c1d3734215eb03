package dev.nonstop.instance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads the last lines of a log that may be large and still growing, from its end. */
final class LogTail {
  private static final int CHUNK = 8192;
  /** Lines beyond this much text are cut from the front: a tail is for a glance, not a dump. */
  private static final int MAX_BYTES = 1 << 20;

  private LogTail() {}

  static List<String> lastLines(Path file, int n) throws IOException {
    if (n < 0) {
      throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
    }
    if (n == 0) {
      return List.of();
    }
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      long end = channel.size();
      if (end == 0) {
        return List.of();
      }
      if (byteAt(channel, end - 1) == '\n') {
        end--; // the final newline ends the last line rather than starting an empty one
      }
      long start = startOfLastLines(channel, end, n);
      start = Math.max(start, end - MAX_BYTES);
      ByteBuffer text = ByteBuffer.allocate((int) (end - start));
      readFully(channel, start, text);
      String decoded = new String(text.array(), StandardCharsets.UTF_8);
      return Arrays.stream(decoded.split("\n", -1)).map(LogTail::stripCr).toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /** The offset just after the n-th newline before {@code end}, or 0. */
  private static long startOfLastLines(SeekableByteChannel channel, long end, int n) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    int newlines = 0;
    for (long pos = end; pos > 0 && end - pos < MAX_BYTES; ) {
      int length = (int) Math.min(CHUNK, pos);
      pos -= length;
      chunk.clear().limit(length);
      readFully(channel, pos, chunk);
      for (int i = length - 1; i >= 0; i--) {
        if (chunk.get(i) == '\n' && ++newlines == n) {
          return pos + i + 1;
        }
      }
    }
    return 0;
  }

  private static byte byteAt(SeekableByteChannel channel, long position) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    readFully(channel, position, one);
    return one.get(0);
  }

  private static void readFully(SeekableByteChannel channel, long position, ByteBuffer buffer)
      throws IOException {
    channel.position(position);
    while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
      // a file read returns less than asked only at its end
    }
  }

  private static String stripCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
