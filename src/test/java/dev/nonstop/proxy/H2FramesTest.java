package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
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
class H2FramesTest {
  /** What the stream sent: the headers frames, the body, and whether the last frame ended it. */
  private record Sent(List<Http2Headers> headers, String body, boolean ended, int frames) {}

  /** Records the frames a response becomes. */
  private static final class Recorder implements H2Frames.Sink {
    final List<Http2Headers> headers = new ArrayList<>();
    final StringBuilder body = new StringBuilder();
    boolean ended;
    int frames;

    @Override
    public void headers(Http2Headers h, boolean endStream) {
      assertThat(ended).as("a frame after the end of the stream").isFalse();
      frames++;
      headers.add(h);
      ended = endStream;
    }

    @Override
    public void data(ByteBuf data, boolean endStream) {
      assertThat(ended).as("a frame after the end of the stream").isFalse();
      frames++;
      body.append(data.toString(StandardCharsets.ISO_8859_1));
      data.release();
      ended = endStream;
    }
  }

  private static Sent write(String method, String response, int piece) {
    Recorder r = new Recorder();
    H2Frames frames = new H2Frames(r);
    frames.expect("HEAD".equals(method));
    byte[] b = response.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < b.length; i += piece) {
      frames.write(Unpooled.copiedBuffer(b, i, Math.min(piece, b.length - i)));
    }
    frames.release();
    assertThat(frames.done()).isEqualTo(r.ended);
    return new Sent(r.headers, r.body.toString(), r.ended, r.frames);
  }

  @ParameterizedTest(name = "written {0} bytes at a time")
  @ValueSource(ints = {1, 2, 7, 100_000})
  void aChunkedBodyIsUnchunkedAndItsTrailersEndTheStream(int piece) {
    Sent s = write("GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
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
    Sent s = write("GET", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", piece);
    assertThat(s.headers()).singleElement().satisfies(h ->
        assertThat(h.get("content-length").toString()).isEqualTo("10"));
    assertThat(s.body()).isEqualTo("0123456789");
    assertThat(s.ended()).isTrue();
  }

  @Test
  void anInterimAnswerThenTheAnswer() {
    Sent s = write("POST", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
        + "Content-Length: 2\r\n\r\nok", 100_000);
    assertThat(s.headers()).extracting(h -> h.status().toString()).containsExactly("100", "201");
    assertThat(s.body()).isEqualTo("ok");
    assertThat(s.ended()).isTrue();
  }

  @Test
  void headNoContentAndNotModifiedEndWithTheirHeaders() {
    assertThat(write("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 5))
        .satisfies(s -> {
          assertThat(s.frames()).isEqualTo(1);
          assertThat(s.ended()).isTrue();
        });
    assertThat(write("GET", "HTTP/1.1 204 No Content\r\n\r\n", 1).ended()).isTrue();
    assertThat(write("GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", 1).frames())
        .isEqualTo(1);
  }

  @Test
  void aRequestsHeadersBecomeAnHttp11HeadWithItsCookiesJoined() {
    HttpRequest req = H2Frames.request(new DefaultHttp2Headers().method("POST")
        .path("/upload?x=1").scheme("https").authority("example.com:8443")
        .add("host", "elsewhere.example").add("cookie", "a=1").add("cookie", "b=2")
        .add("x-custom", "v"), /* endStream= */ false);
    assertThat(req.method().name()).isEqualTo("POST");
    assertThat(req.uri()).isEqualTo("/upload?x=1");
    assertThat(req.headers().get("host")).isEqualTo("example.com:8443");
    assertThat(req.headers().get("cookie")).isEqualTo("a=1; b=2");
    assertThat(req.headers().get("x-custom")).isEqualTo("v");
    assertThat(req.headers().get("transfer-encoding")).isEqualTo("chunked");
    assertThat(req.headers().names()).noneMatch(n -> n.startsWith(":"));
  }

  @Test
  void aRequestWithoutMethodOrPathIsNone() {
    assertThat(H2Frames.request(new DefaultHttp2Headers().path("/"), true)).isNull();
    assertThat(H2Frames.request(new DefaultHttp2Headers().method("GET"), true)).isNull();
  }

  @Test
  void trailersBecomeTheLastPartsFields() {
    LastHttpContent last = H2Frames.trailers(new DefaultHttp2Headers().add("x-sum", "abc"));
    assertThat(last.trailingHeaders().get("x-sum")).isEqualTo("abc");
    assertThat(last.content().readableBytes()).isZero();
  }
}
