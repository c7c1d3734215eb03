import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The benchmark's WebSocket load client, closed loop: each connection sends one text message of
 * the given size, waits for its echo, records the round trip's latency, and sends the next.
 *
 * <pre>
 *   WsLoad run CONNECTIONS BYTES THREADS WARMUP-SECONDS SECONDS ROUNDS BACKEND-PID NAME=URL...
 *   WsLoad probe BYTES WAIT-SECONDS NAME=URL...     one handshake and one echo per target
 * </pre>
 *
 * Run: a warm-up, then interleaved rounds (see {@link #run}); one JVM for all, so that its JIT is
 * warm for every measurement. Each measurement opens and upgrades all connections first; the clock
 * starts when the last handshake is done, and only echoes that arrive within SECONDS count. THREADS
 * epoll event loops share the connections. errors is "-" or e.g. "closed_3;wrong_size_1"
 * (connections lost during the measurement, echoes of another size than the message).
 * Probe: waits up to WAIT-SECONDS for each target to accept a connection, then needs a 101 to the
 * handshake and an echo of the message within 5 s; exits 1 with "NAME: the handshake got HTTP 502,
 * not 101" and the like on the first target that fails.
 */
public final class WsLoad {
  public static void main(String[] args) throws Exception {
    if (args.length >= 9 && args[0].equals("run")) {
      System.exit(run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]),
          Long.parseLong(args[7]), Arrays.asList(args).subList(8, args.length)));
    } else if (args.length >= 4 && args[0].equals("probe")) {
      System.exit(probe(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
          Arrays.asList(args).subList(3, args.length)));
    }
    System.err.println("usage: WsLoad run CONNECTIONS BYTES THREADS WARMUP-SECONDS SECONDS ROUNDS BACKEND-PID NAME=URL...\n"
        + "       WsLoad probe BYTES WAIT-SECONDS NAME=URL...");
    System.exit(2);
  }

  /** What all connections of one run share: the payload, the clock, the counters. */
  static final class Run {
    final ByteBuf payload;
    volatile long start = Long.MAX_VALUE; // nanoTime: echoes count from here...
    volatile long end = Long.MAX_VALUE; // ...to here; no message is sent after it
    final AtomicLong closed = new AtomicLong(), wrongSize = new AtomicLong();

    Run(int bytes) {
      byte[] text = new byte[bytes];
      Arrays.fill(text, (byte) 'x');
      payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes).writeBytes(text));
    }
  }

  /** One WebSocket connection: the upgrade, then the send-wait-send loop. */
  static final class Conn extends ChannelInboundHandlerAdapter {
    final Run run;
    final WebSocketClientHandshaker handshaker;
    final Histogram latencies = new Histogram(3); // nanoseconds, auto-resizing
    ChannelPromise upgraded;
    Channel channel;
    long count, sentAt;
    ByteBuf lastEcho; // kept by the probe only
    volatile boolean done;

    Conn(Run run, URI uri) {
      this.run = run;
      this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
          null, false, new DefaultHttpHeaders(), 16 << 20);
    }

    @Override public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      upgraded = ctx.newPromise();
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
      handshaker.handshake(ctx.channel());
    }

    void send() {
      sentAt = System.nanoTime();
      channel.writeAndFlush(new TextWebSocketFrame(run.payload.duplicate()));
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpResponse response) {
        try {
          if (response.status().code() != 101) {
            upgraded.tryFailure(new IllegalStateException("the handshake got HTTP "
                + response.status().code() + ", not 101"));
            ctx.close();
          } else {
            handshaker.finishHandshake(ctx.channel(), response);
            upgraded.trySuccess();
          }
        } catch (RuntimeException e) {
          upgraded.tryFailure(new IllegalStateException("the handshake failed: " + e.getMessage()));
          ctx.close();
        } finally {
          response.release();
        }
        return;
      }
      WebSocketFrame frame = (WebSocketFrame) msg;
      try {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
          long now = System.nanoTime();
          if (frame.content().readableBytes() != run.payload.readableBytes()) run.wrongSize.incrementAndGet();
          if (now >= run.start && now < run.end) {
            count++;
            latencies.recordValue(now - sentAt);
          }
          if (lastEcho == null && run.end == Long.MAX_VALUE && run.start == Long.MAX_VALUE) {
            lastEcho = frame.content().copy(); // probe
          }
          if (now < run.end && run.start != Long.MAX_VALUE) send();
          else done = true;
        } else if (frame instanceof CloseWebSocketFrame) {
          ctx.close();
        }
      } finally {
        frame.release();
      }
    }

    @Override public void channelInactive(ChannelHandlerContext ctx) {
      upgraded.tryFailure(new IllegalStateException("the connection closed during the handshake"));
      if (!done && System.nanoTime() < run.end) run.closed.incrementAndGet();
      done = true;
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      upgraded.tryFailure(cause);
      ctx.close();
    }
  }

  static ChannelFuture connect(Bootstrap b, Conn conn, URI uri) {
    return b.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536), conn);
      }
    }).connect(uri.getHost(), uri.getPort());
  }

  static Bootstrap bootstrap(EventLoopGroup group) {
    return new Bootstrap().group(group).channel(EpollSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
  }

  /** One measurement against one target: "round-trips/s p50-ms p99-ms errors". */
  static String load(EventLoopGroup group, URI uri, int connections, int seconds, int bytes) throws Exception {
    Bootstrap b = bootstrap(group);
    Run run = new Run(bytes);
    List<Conn> conns = new ArrayList<>();
    List<ChannelFuture> connects = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      Conn conn = new Conn(run, uri);
      conns.add(conn);
      connects.add(connect(b, conn, uri));
    }
    try {
      for (int i = 0; i < connections; i++) {
        ChannelFuture f = connects.get(i).awaitUninterruptibly();
        if (!f.isSuccess()) throw new IllegalStateException("cannot connect: " + f.cause().getMessage());
        ChannelPromise up = conns.get(i).upgraded;
        if (!up.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("no answer to the handshake within 10 s");
        if (!up.isSuccess()) throw new IllegalStateException(up.cause().getMessage());
      }
      long start = System.nanoTime();
      run.end = start + TimeUnit.SECONDS.toNanos(seconds);
      run.start = start;
      for (Conn c : conns) c.channel.eventLoop().execute(c::send);
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(run.end - System.nanoTime()) + 1);
      long grace = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      for (Conn c : conns) while (!c.done && System.nanoTime() < grace) Thread.sleep(1);
      Histogram all = new Histogram(3);
      long total = 0;
      for (Conn c : conns) {
        c.channel.eventLoop().submit(() -> all.add(c.latencies)).sync(); // on the loop that wrote it
        total += c.count;
      }
      String errors = (run.closed.get() > 0 ? "closed_" + run.closed.get() + ";" : "")
          + (run.wrongSize.get() > 0 ? "wrong_size_" + run.wrongSize.get() + ";" : "");
      return String.format("%.0f %.3f %.3f %s", total / (double) seconds,
          all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6,
          errors.isEmpty() ? "-" : errors.substring(0, errors.length() - 1));
    } finally {
      for (ChannelFuture f : connects) {
        Channel ch = f.channel();
        if (ch.isActive()) ch.writeAndFlush(new CloseWebSocketFrame()).addListener(x -> ch.close());
      }
      for (ChannelFuture f : connects) f.channel().closeFuture().await(1, TimeUnit.SECONDS);
    }
  }

  /**
   * The whole benchmark: a warm-up run against each target, then ROUNDS rounds that visit the
   * targets in turn. Prints "NAME round-trips/s p50-ms p99-ms client-% backend-% errors" per
   * measurement, where client-% and backend-% are the CPU time this process and BACKEND-PID used
   * meanwhile, in percent of one core; progress goes to stderr.
   */
  static int run(int connections, int bytes, int threads, int warmup, int seconds, int rounds,
      long backendPid, List<String> targets) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try {
      for (int r = 0; r <= rounds; r++) {
        for (String target : targets) {
          String name = target.substring(0, target.indexOf('='));
          URI uri = URI.create(target.substring(name.length() + 1));
          long clientCpu = os.getProcessCpuTime(), backendCpu = cpuNanos(backendPid), t0 = System.nanoTime();
          String result;
          try {
            result = load(group, uri, connections, r == 0 ? warmup : seconds, bytes);
          } catch (IllegalStateException e) {
            return fail(name + ": " + e.getMessage());
          }
          double wall = System.nanoTime() - t0;
          String[] f = result.split(" ");
          String line = String.format("%s %s %s %s %.0f %.0f %s", name, f[0], f[1], f[2],
              100 * (os.getProcessCpuTime() - clientCpu) / wall, 100 * (cpuNanos(backendPid) - backendCpu) / wall, f[3]);
          System.err.printf("ws-bench: %s %s: %s round trips/s%n", r == 0 ? "warm-up" : "round " + r + "/" + rounds, name, f[0]);
          if (r > 0) System.out.println(line);
        }
      }
      return 0;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** User and system CPU time of a process, from /proc (clock ticks of 10 ms), or 0. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static int fail(String why) {
    System.err.println(why);
    return 1;
  }

  static int probe(int bytes, int waitSeconds, List<String> targets) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Bootstrap b = bootstrap(group);
      for (String target : targets) {
        String name = target.substring(0, target.indexOf('='));
        URI uri = URI.create(target.substring(name.length() + 1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        Run run = new Run(bytes);
        Conn conn;
        while (true) {
          conn = new Conn(run, uri);
          ChannelFuture f = connect(b, conn, uri).awaitUninterruptibly();
          if (f.isSuccess()) break;
          if (!(f.cause() instanceof ConnectException) || System.nanoTime() > deadline) {
            return fail(name + ": " + (f.cause() instanceof ConnectException
                ? "nothing accepts connections on " + uri.getHost() + ":" + uri.getPort() + " within " + waitSeconds + " s"
                : "cannot connect: " + f.cause().getMessage()));
          }
          Thread.sleep(100);
        }
        if (!conn.upgraded.await(5, TimeUnit.SECONDS)) {
          return fail(name + ": no answer to the WebSocket handshake within 5 s");
        }
        if (!conn.upgraded.isSuccess()) return fail(name + ": " + conn.upgraded.cause().getMessage());
        Conn c = conn;
        c.channel.eventLoop().execute(c::send);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (c.lastEcho == null && !c.done && System.nanoTime() < until) Thread.sleep(1);
        if (c.lastEcho == null) return fail(name + ": the handshake got 101, but no echo of a message came back within 5 s");
        if (!c.lastEcho.equals(run.payload)) {
          return fail(name + ": the echo differs from the message sent ("
              + c.lastEcho.readableBytes() + " bytes back for " + bytes + ")");
        }
        c.channel.writeAndFlush(new CloseWebSocketFrame()).addListener(f -> c.channel.close());
        c.channel.closeFuture().await(1, TimeUnit.SECONDS);
      }
      return 0;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
