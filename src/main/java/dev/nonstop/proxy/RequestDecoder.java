package dev.nonstop.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder with two changes a proxy needs. A request carrying both Content-Length
 * and Transfer-Encoding is marked failed: Netty 4.2.9 silently drops the Content-Length there,
 * which would hide a request-smuggling attempt from us. And the frontend hears of the first byte of
 * each request, to start the request-header timeout.
 */
final class RequestDecoder extends HttpRequestDecoder {
  static final int MAX_INITIAL_LINE = 8 * 1024;
  static final int MAX_HEADER_SIZE = 16 * 1024;
  private static final int MAX_CHUNK = 16 * 1024;

  private final FrontendHandler frontend;

  RequestDecoder(FrontendHandler frontend) {
    super(new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        .setMaxChunkSize(MAX_CHUNK));
    this.frontend = frontend;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    frontend.bytesArrived();
    super.channelRead(ctx, msg);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(
        new IllegalArgumentException("both Content-Length and Transfer-Encoding")));
  }
}
