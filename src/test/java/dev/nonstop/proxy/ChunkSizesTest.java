package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkSizesTest {
  /** Feeds {@code body} cut at {@code cut}; returns whether every size was accepted. */
  private static boolean accepts(String body, int cut, long maxBody) {
    ChunkSizes c = new ChunkSizes(maxBody);
    c.start();
    ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1);
    return c.accept(b, 0, cut) && c.accept(b, cut, b.writerIndex());
  }

  private static void expect(String body, long maxBody, boolean ok) {
    for (int cut = 0; cut <= body.length(); cut++) {
      assertThat(accepts(body, cut, maxBody)).as("cut at %d", cut).isEqualTo(ok);
    }
  }

  @Test
  void acceptsOrdinaryChunksWithExtensionsHoweverTheBytesAreCut() {
    expect("5;x=1\r\nhello\r\na\r\n0123456789\r\n0\r\nT: 1\r\n\r\n", 0, true);
  }

  @Test
  void skipsDataThatLooksLikeAHugeSize() {
    expect("9\r\nfffffffff\r\n0\r\n\r\n", 100, true);
  }

  @Test
  void refusesASizeThatDoesNotFitAnInt() {
    expect("5\r\nhello\r\n100000005\r\nhello\r\n", 0, false);
  }

  @Test
  void refusesMoreThan16HexDigitsEvenWhenTheirValueIsSmall() {
    expect("00000000000000005\r\nhello\r\n", 0, false);
  }

  @Test
  void refusesAChunkOverTheBodyLimit() {
    expect("65\r\n", 100, false);
    expect("64\r\n", 100, true);
  }
}
