package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP/1.1 bytes an exchange writes, read back into HTTP/2 frames, however the writes cut
 * them (down to a byte at a time); and a request's frames as an HTTP/1.1 request.
 */
class H2StreamTest {
  /** What the stream sent: the headers frames, the body, and whether the last frame ended it. */
  private record Sent(List<Http2Headers> headers, String body, boolean ended, int frames) {}

  private static Sent write(EmbeddedChannel ch, String response, int piece) {
    byte[] b = response.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < b.length; i += piece) {
      ch.writeOutbound(Unpooled.wrappedBuffer(b, i, Math.min(piece, b.length - i)));
    }
    List<Http2Headers> headers = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    boolean ended = false;
    int frames = 0;
    Object o;
    while ((o = ch.readOutbound()) != null) {
      frames++;
      assertThat(ended).as("a frame after the end of the stream").isFalse();
      if (o instanceof Http2HeadersFrame h) {
        headers.add(h.headers());
        ended = h.isEndStream();
      } else if (o instanceof Http2DataFrame d) {
        body.append(d.content().toString(StandardCharsets.ISO_8859_1));
        ended = d.isEndStream();
        d.release();
      }
    }
    return new Sent(headers, body.toString(), ended, frames);
  }

  private static EmbeddedChannel stream(String method) {
    EmbeddedChannel ch = new EmbeddedChannel(new H2Stream());
    ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method(method)
        .path("/p").scheme("https").authority("example.com"), true));
    HttpRequest req = ch.readInbound();
    assertThat(req.method().name()).isEqualTo(method);
    assertThat((Object) ch.readInbound()).isInstanceOf(LastHttpContent.class);
    return ch;
  }

  @ParameterizedTest(name = "written {0} bytes at a time")
  @ValueSource(ints = {1, 2, 7, 100_000})
  void aChunkedBodyIsUnchunkedAndItsTrailersEndTheStream(int piece) {
    Sent s = write(stream("GET"), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nServer-Timing: app;dur=3\r\n\r\n", piece);
    assertThat(s.headers()).hasSize(2);
    Http2Headers head = s.headers().get(0);
    assertThat(head.status().toString()).isEqualTo("200");
    assertThat(head.get("content-type").toString()).isEqualTo("text/plain");
    assertThat(head.contains("transfer-encoding")).isFalse();
    assertThat(head.contains("connection")).isFalse();
    assertThat(s.body()).isEqualTo("hello, world");
    assertThat(s.headers().get(1).get("server-timing").toString()).isEqualTo("app;dur=3");
    assertThat(s.ended()).isTrue();
  }

  @ParameterizedTest(name = "written {0} bytes at a time")
  @ValueSource(ints = {1, 3, 100_000})
  void aBodyWithALengthEndsWithItsLastByte(int piece) {
    Sent s = write(stream("GET"), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", piece);
    assertThat(s.headers()).singleElement().satisfies(h ->
        assertThat(h.get("content-length").toString()).isEqualTo("10"));
    assertThat(s.body()).isEqualTo("0123456789");
    assertThat(s.ended()).isTrue();
  }

  @Test
  void anInterimAnswerThenTheAnswer() {
    Sent s = write(stream("POST"), "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
        + "Content-Length: 2\r\n\r\nok", 100_000);
    assertThat(s.headers()).extracting(h -> h.status().toString()).containsExactly("100", "201");
    assertThat(s.body()).isEqualTo("ok");
    assertThat(s.ended()).isTrue();
  }

  @Test
  void headNoContentAndNotModifiedEndWithTheirHeaders() {
    assertThat(write(stream("HEAD"), "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 5))
        .satisfies(s -> {
          assertThat(s.frames()).isEqualTo(1);
          assertThat(s.ended()).isTrue();
        });
    assertThat(write(stream("GET"), "HTTP/1.1 204 No Content\r\n\r\n", 1).ended()).isTrue();
    assertThat(write(stream("GET"), "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", 1).frames())
        .isEqualTo(1);
  }

  @Test
  void aRequestWithABodyGetsItsPartsAndCookiesJoined() {
    EmbeddedChannel ch = new EmbeddedChannel(new H2Stream());
    ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST")
        .path("/upload?x=1").scheme("https").authority("example.com:8443")
        .add("host", "elsewhere.example").add("cookie", "a=1").add("cookie", "b=2")
        .add("x-custom", "v"), false));
    ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), false));
    ch.writeInbound(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII), true));
    HttpRequest req = ch.readInbound();
    assertThat(req.uri()).isEqualTo("/upload?x=1");
    assertThat(req.headers().get("host")).isEqualTo("example.com:8443");
    assertThat(req.headers().get("cookie")).isEqualTo("a=1; b=2");
    assertThat(req.headers().get("x-custom")).isEqualTo("v");
    assertThat(req.headers().get("transfer-encoding")).isEqualTo("chunked");
    HttpContent first = ch.readInbound();
    HttpContent last = ch.readInbound();
    assertThat(first).isNotInstanceOf(LastHttpContent.class);
    assertThat(last).isInstanceOf(LastHttpContent.class);
    ByteBuf all = Unpooled.wrappedBuffer(first.content(), last.content());
    assertThat(all.toString(StandardCharsets.US_ASCII)).isEqualTo("abcde");
    all.release();
  }
}
