package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client that speaks HTTP/2 frame by frame over a plain socket (h2c with prior knowledge), so
 * that a test can send what no polite client sends: resets in a burst, endless CONTINUATION
 * frames, more streams than allowed. Header blocks are HPACK-coded by Netty's coder.
 */
public final class H2Wire implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;

  public record Frame(int type, int flags, int stream, byte[] payload) {
    boolean endStream() {
      return (type == DATA || type == HEADERS) && (flags & END_STREAM) != 0;
    }

    /** GOAWAY's last stream id. */
    public int lastStream() {
      return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
          | (payload[3] & 0xff);
    }

    /** GOAWAY's error code. */
    public int errorCode() {
      return ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8)
          | (payload[7] & 0xff);
    }
  }

  public record Response(int status, Http2Headers headers, String body) {}

  final Socket socket;
  /** Whether {@link #read} acknowledges the server's PINGs, as every client should. */
  boolean answerPings = true;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

  public H2Wire(InetSocketAddress at) throws IOException {
    socket = new Socket(at.getAddress(), at.getPort());
    socket.setSoTimeout(20_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    out.write(ByteBufUtil.getBytes(Http2CodecUtil.connectionPrefaceBuf()));
    frame(SETTINGS, 0, 0, new byte[0]);
  }

  public static Http2Headers get(String path) {
    return new DefaultHttp2Headers().method("GET").scheme("http").authority("t").path(path);
  }

  byte[] block(Http2Headers h) throws Http2Exception {
    ByteBuf b = Unpooled.buffer();
    encoder.encodeHeaders(0, h, b);
    return ByteBufUtil.getBytes(b);
  }

  public void headers(int stream, Http2Headers h, boolean endStream) throws IOException, Http2Exception {
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(h));
  }

  void data(int stream, String body, boolean endStream) throws IOException {
    frame(DATA, endStream ? END_STREAM : 0, stream, body.getBytes(StandardCharsets.UTF_8));
  }

  void rst(int stream) throws IOException {
    frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8}); // CANCEL
  }

  synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] head = new byte[9];
    head[0] = (byte) (payload.length >>> 16);
    head[1] = (byte) (payload.length >>> 8);
    head[2] = (byte) payload.length;
    head[3] = (byte) type;
    head[4] = (byte) flags;
    head[5] = (byte) (stream >>> 24);
    head[6] = (byte) (stream >>> 16);
    head[7] = (byte) (stream >>> 8);
    head[8] = (byte) stream;
    out.write(head);
    out.write(payload);
    out.flush();
  }

  /** The next frame; SETTINGS and PING are acknowledged on the way. */
  Frame read() throws IOException {
    while (true) {
      int len = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      byte[] payload = new byte[len];
      in.readFully(payload);
      Frame f = new Frame(type, flags, stream, payload);
      try {
        if (type == SETTINGS && (flags & ACK) == 0) {
          frame(SETTINGS, ACK, 0, new byte[0]);
          return f;
        }
        if (type == PING && (flags & ACK) == 0 && answerPings) {
          frame(PING, ACK, 0, payload);
          continue;
        }
      } catch (IOException e) {
        return f; // closed by the server: what it sent is still read
      }
      return f;
    }
  }

  Http2Headers decode(Frame f) throws Http2Exception {
    return decoder.decodeHeaders(f.stream(), Unpooled.wrappedBuffer(f.payload()));
  }

  /** A response being read: its head and the body so far. */
  private static final class Partial {
    Http2Headers head;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
  }

  private final java.util.Map<Integer, Partial> partial = new java.util.HashMap<>();
  private final java.util.Map<Integer, Response> ended = new java.util.HashMap<>();

  /**
   * Reads frames until {@code stream} ends; other streams' responses read on the way are kept for
   * their own call.
   */
  public Response response(int stream) throws IOException, Http2Exception {
    while (!ended.containsKey(stream)) {
      Frame f = read();
      Partial p = f.stream() == 0 ? null : partial.computeIfAbsent(f.stream(), k -> new Partial());
      if (f.type() == HEADERS) {
        Http2Headers h = decode(f);
        if (p.head == null && !h.status().toString().startsWith("1")) {
          p.head = h;
        }
      } else if (f.type() == DATA) {
        p.body.write(f.payload());
        if (f.payload().length > 0 && !f.endStream()) {
          try {
            frame(WINDOW_UPDATE, 0, 0, windowIncrement(f.payload().length));
            frame(WINDOW_UPDATE, 0, f.stream(), windowIncrement(f.payload().length));
          } catch (IOException e) {
            // the server may close right after a last stream: what was sent is still read
          }
        }
      } else if (f.type() == RST_STREAM && f.stream() == stream) {
        throw new IOException("stream " + stream + " reset");
      }
      // GOAWAY: the stream may still finish, as GOAWAY names the last stream the server takes
      if (p != null && (f.endStream() || f.type() == RST_STREAM)) {
        partial.remove(f.stream());
      }
      if (p != null && f.endStream() && p.head != null) { // else its head was read by hand
        ended.put(f.stream(), new Response(Integer.parseInt(p.head.status().toString()), p.head,
            p.body.toString(StandardCharsets.UTF_8)));
      }
    }
    return ended.remove(stream);
  }

  /** Reads until GOAWAY, returning it, or null if the connection closes first. */
  public Frame untilGoAway() throws IOException {
    try {
      while (true) {
        Frame f = read();
        if (f.type() == GOAWAY) {
          return f;
        }
        if (f.type() == HEADERS) {
          try {
            decode(f);
          } catch (Http2Exception e) {
            // keeps reading
          }
        }
      }
    } catch (EOFException | java.net.SocketException e) {
      return null;
    }
  }

  /** Whether the server closed the connection (reads to its end). */
  public boolean closedByServer() {
    try {
      while (true) {
        read();
      }
    } catch (IOException e) {
      return true;
    }
  }

  private static byte[] windowIncrement(int n) {
    return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
