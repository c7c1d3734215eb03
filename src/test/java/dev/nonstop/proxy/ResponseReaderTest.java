package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The reader sees the same responses however the bytes are cut into reads. */
class ResponseReaderTest {
  /**
   * Responses with every kind of line end (a CRLF cut between two reads is one line end too), and
   * the bytes a head may hold besides: HTAB and obs-text (0x80 and up) in values.
   */
  private static final String STREAM =
      "HTTP/1.1 100 Continue\r\n\r\n"
      + "HTTP/1.1 200 OK\r\nServer: x\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
      + "Content-Length: 5\r\nKeep-Alive: timeout=5\r\n\r\nhello"
      + "HTTP/1.1 201 Created\nX-Bare-Lf: yes\nTransfer-Encoding: chunked\n\n"
      + "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n"
      + "HTTP/1.1 204 No Content\r\nX-Tab: a\tb\r\nX-Latin: caf\u00e9 cr\u00e8me\r\n\r\n";

  /** Heads with a byte or a line that a client could read otherwise than the reader. */
  private static final String[] HOSTILE = {
      "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-\rB: 2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\rX-B: 2\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX-B: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u001bb\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\n\tX-A: a\nContent-Length: 0\n\n",
      "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-Caf\u00e9: 1\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 0\r\n\r\n",
  };

  /** What a sink saw, written down as text. */
  private static final class Recorder implements ResponseReader.Sink {
    final StringBuilder seen = new StringBuilder();
    final ResponseReader reader;
    final boolean dechunk;

    Recorder(boolean dechunk) {
      this.dechunk = dechunk;
      this.reader = new ResponseReader(ByteBufAllocator.DEFAULT);
      reader.expect(this, false, dechunk, false);
    }

    @Override
    public void responseHead(ResponseReader r) {
      seen.append("[head ").append(r.status).append(" framing=").append(r.framing)
          .append(" keepAlive=").append(r.keepAlive).append("]");
      if (r.status >= 200) {
        ByteBuf h = r.takeHead();
        seen.append(h.toString(StandardCharsets.ISO_8859_1));
        h.release();
      }
    }

    @Override
    public void responseBody(ByteBuf in, int from, int len) {
      seen.append(in.toString(from, len, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void responseEnd() {
      seen.append("[end]");
      reader.expect(this, false, dechunk, false);
    }

    @Override
    public void responseMalformed(String why) {
      seen.append("[malformed ").append(why).append("]");
    }
  }

  private static String feed(boolean dechunk, String stream, int... cuts) {
    Recorder r = new Recorder(dechunk);
    byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : bytes.length;
      ByteBuf in = Unpooled.wrappedBuffer(bytes, from, to - from);
      r.reader.read(in);
      in.release();
      from = to;
    }
    r.reader.release();
    return r.seen.toString();
  }

  @Test
  void forwardsHeadsWithoutHopByHopHeadersAndBodiesAsTheyCame() {
    assertThat(feed(false, STREAM)).isEqualTo(
        "[head 100 framing=0 keepAlive=true]"
        + "[head 200 framing=1 keepAlive=true]HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n"
        + "hello[end]"
        + "[head 201 framing=2 keepAlive=true]HTTP/1.1 201 Created\r\nX-Bare-Lf: yes\r\n"
        + "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n[end]"
        + "[head 204 framing=0 keepAlive=true]HTTP/1.1 204 No Content\r\nX-Tab: a\tb\r\n"
        + "X-Latin: caf\u00e9 cr\u00e8me\r\n[end]");
  }

  @Test
  void givesAChunkedBodyAsBareDataWhenAsked() {
    assertThat(feed(true, STREAM)).contains("Created\r\nX-Bare-Lf: yes\r\nabc0123456789[end]");
  }

  @Test
  void everyWayOfCuttingTheBytesGivesTheSameResult() {
    int n = STREAM.length();
    for (boolean dechunk : new boolean[] {false, true}) {
      // Body pieces are written down back to back, so only their bytes count.
      String whole = feed(dechunk, STREAM);
      for (int i = 1; i < n; i++) {
        assertThat(feed(dechunk, STREAM, i)).as("cut at %d", i).isEqualTo(whole);
        for (int j = i + 1; j < n; j += 7) {
          assertThat(feed(dechunk, STREAM, i, j)).as("cuts at %d, %d", i, j)
              .isEqualTo(whole);
        }
      }
    }
  }

  @Test
  void aHeadWithABareCrAControlByteAFoldedLineOrABadNameIsMalformedHoweverCut() {
    for (String hostile : HOSTILE) {
      assertThat(feed(false, hostile)).as(hostile).startsWith("[malformed").doesNotContain("[head");
      for (int i = 1; i < hostile.length(); i++) {
        assertThat(feed(false, hostile, i)).as("%s cut at %d", hostile, i)
            .startsWith("[malformed").doesNotContain("[head");
        for (int j = i + 1; j < hostile.length(); j++) {
          assertThat(feed(false, hostile, i, j)).as("%s cut at %d, %d", hostile, i, j)
              .startsWith("[malformed").doesNotContain("[head");
        }
      }
    }
  }

  @Test
  void aBodyUntilTheCloseEndsWithIt() {
    Recorder r = new Recorder(false);
    r.reader.read(Unpooled.copiedBuffer("HTTP/1.0 200 OK\r\n\r\npart", StandardCharsets.ISO_8859_1));
    assertThat(r.reader.closed()).isTrue();
    assertThat(r.seen.toString()).isEqualTo(
        "[head 200 framing=3 keepAlive=false]HTTP/1.1 200 OK\r\npart[end]");
  }

  @Test
  void aHeadOverTheLimitIsMalformed() {
    String big = "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(ResponseReader.MAX_HEAD) + "\r\n";
    assertThat(feed(false, big)).startsWith("[malformed the backend sent a response head over");
  }

  @Test
  void aHeadRightAtTheLimitIsReadAndOneByteMoreIsMalformedHoweverCut() {
    int max = ResponseReader.MAX_HEAD;
    String atLimit = headOf(max) + "ok";
    String overLimit = headOf(max + 1) + "ok";
    int[][] cuts = {{}, {1}, {max / 2}, {max - 1}, {max}, {max + 1}, {max - 2, max}, {100, max - 1}};
    for (int[] at : cuts) {
      assertThat(feed(false, atLimit, at)).as("cuts %s", Arrays.toString(at))
          .startsWith("[head 200").endsWith("ok[end]");
      assertThat(feed(false, overLimit, at)).as("cuts %s", Arrays.toString(at))
          .isEqualTo("[malformed the backend sent a response head over " + max + " bytes]");
    }
  }

  @Test
  void neverHoldsMoreThanTheLimitOfAHeadThatDoesNotEnd() {
    String line = "X-Filler: " + "x".repeat(52) + "\r\n";
    byte[] endless = ("HTTP/1.1 200 OK\r\n" + line.repeat(16 * 1024))
        .getBytes(StandardCharsets.ISO_8859_1); // 1 MiB without the empty line
    for (int piece : new int[] {1000, 8 * 1024, 48 * 1024, 64 * 1024}) {
      Recorder r = new Recorder(false);
      int fed = 0;
      while (fed < endless.length && r.seen.length() == 0) {
        int n = Math.min(piece, endless.length - fed);
        ByteBuf in = Unpooled.wrappedBuffer(endless, fed, n);
        r.reader.read(in);
        in.release();
        fed += n;
        assertThat(r.reader.held()).as("held after %d bytes in pieces of %d", fed, piece)
            .isLessThanOrEqualTo(ResponseReader.MAX_HEAD);
      }
      assertThat(r.seen.toString()).startsWith("[malformed the backend sent a response head over");
      assertThat(fed).as("bytes read until malformed").isLessThan(ResponseReader.MAX_HEAD + piece);
      r.reader.release();
    }
  }

  @Test
  void interimHeadsCutAcrossReadsDoNotPileUpInTheReader() {
    byte[] interims = "HTTP/1.1 100 Continue\r\n\r\n".repeat(20_000)
        .getBytes(StandardCharsets.ISO_8859_1); // 500 KB, never a final head
    Recorder r = new Recorder(false);
    for (int fed = 0; fed < interims.length; fed += 999) { // cut inside heads
      ByteBuf in = Unpooled.wrappedBuffer(interims, fed, Math.min(999, interims.length - fed));
      r.reader.read(in);
      in.release();
      assertThat(r.reader.held()).as("held after %d bytes", fed).isLessThanOrEqualTo(4096);
    }
    r.reader.release();
  }

  /** A head of exactly {@code size} bytes announcing a body of 2 bytes. */
  private static String headOf(int size) {
    String start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ";
    return start + "x".repeat(size - start.length() - 4) + "\r\n\r\n";
  }
}
