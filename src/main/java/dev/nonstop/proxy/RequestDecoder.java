package dev.nonstop.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * Netty's request decoder with the changes a proxy needs. A request carrying both Content-Length
 * and Transfer-Encoding is marked failed: Netty 4.2.9 silently drops the Content-Length there,
 * which would hide a request-smuggling attempt from us. Chunk-size lines are checked by a
 * {@link ChunkSizes} that follows the bytes the decoder consumed, since Netty 4.2.9 reads a size
 * past 32 bits modulo 2^32 ({@code 100000005} as 5) and the rest of that chunk as a new request.
 * And the connection hears of the first byte of each request, to start the request-header timeout.
 */
final class RequestDecoder extends HttpRequestDecoder {
  static final int MAX_INITIAL_LINE = 8 * 1024;
  static final int MAX_HEADER_SIZE = 16 * 1024;
  private static final int MAX_CHUNK = 16 * 1024;

  private final ClientConnection client;
  private final ChunkSizes chunks;
  /** A bad chunk size was seen: every later byte is dropped, the connection is closing. */
  private boolean broken;

  RequestDecoder(ClientConnection client, long maxBody) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setMaxChunkSize(MAX_CHUNK));
    this.client = client;
    this.chunks = new ChunkSizes(maxBody);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    client.bytesArrived(msg instanceof ByteBuf ? ((ByteBuf) msg).readableBytes() : 0);
    if (client.lingering()) {
      ReferenceCountUtil.release(msg); // after an error answer: counted, never decoded
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (broken) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (client.holdsBytes()) {
      return; // an upgrade's answer is awaited: what follows may be another protocol's bytes
    }
    int from = in.readerIndex();
    int before = out.size();
    super.decode(ctx, in, out);
    // Netty parses at most one chunk-size line per call, at the start of what the call consumed.
    if (chunks.following() && !chunks.accept(in, from, in.readerIndex())) {
      broken = true;
      for (int i = out.size() - 1; i >= before; i--) {
        ReferenceCountUtil.release(out.remove(i)); // read under the wrong size: never forwarded
      }
      LastHttpContent bad = new DefaultLastHttpContent();
      bad.setDecoderResult(DecoderResult.failure(
          new IllegalArgumentException("chunk size: " + chunks.problem())));
      out.add(bad);
      in.skipBytes(in.readableBytes());
      return;
    }
    for (int i = before; i < out.size(); i++) {
      Object m = out.get(i);
      if (m instanceof HttpMessage) {
        if (HttpUtil.isTransferEncodingChunked((HttpMessage) m)
            && !((HttpMessage) m).decoderResult().isFailure()) {
          chunks.start(); // the chunked body's first byte is the next one consumed
        }
      } else if (m instanceof LastHttpContent
          || (m instanceof HttpContent && ((HttpContent) m).decoderResult().isFailure())) {
        chunks.stop();
      }
    }
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(
        new IllegalArgumentException("both Content-Length and Transfer-Encoding")));
  }
}
