package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.nonstop.daemon.Handover.Failure;
import dev.nonstop.daemon.Handover.Listener;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The newcomer's end of a {@link Handover}: the listening sockets it received from the old daemon,
 * and what is left of the conversation: {@link #serving()}, then {@link #awaitExit(Duration)}, or
 * {@link #close()} to give the sockets back. Made by {@link Handover#request}.
 *
 * <p>The received descriptors are this process's own (the kernel made them on receipt), open
 * whatever the old daemon does with its copies, which it closes when it stops accepting. They
 * belong to the caller: {@link #close()} leaves them open.
 *
 * <p>Thread-safe: the conversation lives on its own event loop; callers wait on its futures.
 */
final class Takeover implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;
  private final Newcomer newcomer;
  private final List<Listener> listeners;
  private final Duration timeout;

  private Takeover(EventLoopGroup group, Channel channel, Newcomer newcomer, List<Listener> listeners,
      Duration timeout) {
    this.group = group;
    this.channel = channel;
    this.newcomer = newcomer;
    this.listeners = listeners;
    this.timeout = timeout;
  }

  static Takeover request(Path socketFile, Duration timeout) throws Failure, InterruptedException {
    EventLoopGroup group = Handover.oneLoop("nonstop-takeover");
    Newcomer newcomer = new Newcomer(socketFile);
    Channel channel = null;
    try {
      channel = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE))
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(Handover.lines(), newcomer);
            }
          })
          .connect(new DomainSocketAddress(socketFile.toFile()))
          .addListener(f -> {
            if (!f.isSuccess()) {
              newcomer.fail(unreachable(socketFile, f.cause()));
            }
          })
          .channel();
      List<Listener> received = await(newcomer.offered, timeout,
          "no answer from the daemon on " + socketFile + " within " + timeout);
      return new Takeover(group, channel, newcomer, received, timeout);
    } catch (Failure | InterruptedException | RuntimeException e) {
      end(group, channel); // the old daemon sees the connection end, and resumes
      if (newcomer.offered.isDone() && !newcomer.offered.isCompletedExceptionally()) {
        newcomer.closeReceived(); // they arrived as the caller was interrupted; the loop has ended
      }
      throw e;
    }
  }

  private static Failure unreachable(Path socketFile, Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return new Failure(Failure.Kind.TIMEOUT, "no answer from the daemon on " + socketFile + ": " + cause.getMessage());
    }
    if (cause instanceof FileNotFoundException) {
      return new Failure(Failure.Kind.NO_DAEMON, "no daemon answers on " + socketFile + " (no such file)");
    }
    if (cause instanceof ConnectException) {
      return new Failure(Failure.Kind.NO_DAEMON, "no daemon answers on " + socketFile
          + " (nothing listens there: the file is a daemon's that ended)");
    }
    return new Failure(Failure.Kind.BROKEN, "cannot connect to " + socketFile + ": " + cause.getMessage());
  }

  /** The old daemon's process id, as the kernel gave it (SO_PEERCRED). */
  long pid() {
    return newcomer.pid;
  }

  /** The received sockets, in the order the old daemon offered them. */
  List<Listener> listeners() {
    return listeners;
  }

  /** The descriptor of the socket named {@code name}. */
  int fd(String name) {
    return listeners.stream().filter(l -> l.name().equals(name)).findFirst().map(Listener::fd)
        .orElseThrow(() -> new IllegalArgumentException("no socket named \"" + name + "\" was handed over (expected one of: "
            + listeners.stream().map(Listener::name).collect(Collectors.joining(", ")) + ")"));
  }

  /**
   * Tells the old daemon that this one accepts on the sockets now; returns once it has stopped
   * accepting and no longer offers takeovers (its socket file is gone), or has already ended.
   *
   * @throws Failure if the old daemon gave up on this newcomer before (it then carries on, and
   *     this one must close its descriptors), or does not confirm within the request's timeout
   */
  void serving() throws Failure, InterruptedException {
    channel.eventLoop().execute(newcomer::serving);
    await(newcomer.handedOver, timeout,
        "the daemon (pid " + pid() + ") did not confirm within " + timeout + " that it hands over");
  }

  /** Waits until the old daemon's process is gone (its end of the connection closed); false if not within {@code timeout}. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    try {
      newcomer.gone.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // never: gone only completes normally
    }
  }

  /** Ends the conversation: before {@link #serving()}, the old daemon resumes. The received descriptors stay open. */
  @Override
  public void close() {
    end(group, channel);
  }

  /**
   * Closes the connection, then the loop: the loop's shutdown alone may end without closing its
   * channels (Netty 4.2.9, SingleThreadIoEventLoop.run: a shutdown that comes after its check).
   */
  private static void end(EventLoopGroup group, Channel channel) {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    Handover.shutdown(group);
  }

  /**
   * Waits for {@code f}; at {@code timeout} fails it, unless an answer won the race, which then
   * counts (a future completed with descriptors is never dropped, or they would leak).
   */
  private static <T> T await(CompletableFuture<T> f, Duration timeout, String timedOut)
      throws Failure, InterruptedException {
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.completeExceptionally(new Failure(Failure.Kind.TIMEOUT, timedOut));
    } catch (InterruptedException e) {
      f.completeExceptionally(new Failure(Failure.Kind.BROKEN, "interrupted"));
      throw e;
    } catch (ExecutionException e) {
      // read below
    }
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Failure failure ? failure
          : new Failure(Failure.Kind.BROKEN, String.valueOf(e.getCause().getMessage()));
    }
  }

  /** Where the conversation is, as the newcomer sees it. */
  private enum Step {
    /** TAKEOVER sent; waiting for OFFER or REFUSED. */
    ASKED,
    /** The socket reads descriptors until it has all the offered ones; SEND asked for them. */
    RECEIVING,
    /** All received, the socket reads bytes again; the old daemon waits for SERVING. */
    TAKEN,
    /** SERVING sent; waiting for EXITING. */
    SERVING,
    /** The old daemon drains and exits; waiting for the end of the connection. */
    HANDED_OVER,
    ENDED
  }

  /** The conversation; every field but the futures and {@link #pid} is owned by the event loop. */
  private static final class Newcomer extends ChannelInboundHandlerAdapter {
    final CompletableFuture<List<Listener>> offered = new CompletableFuture<>();
    /** Done at EXITING or the end of the connection after the sockets arrived; failed by a refusal. */
    final CompletableFuture<Void> handedOver = new CompletableFuture<>();
    final CompletableFuture<Void> gone = new CompletableFuture<>();
    /** Written before {@link #offered} completes, read after. */
    long pid;
    private ChannelHandlerContext ctx;
    private final Path socketFile;
    private Step step = Step.ASKED;
    private List<String> names = List.of();
    private final List<FileDescriptor> received = new ArrayList<>();

    Newcomer(Path socketFile) {
      this.socketFile = socketFile;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws IOException {
      this.ctx = ctx;
      PeerCredentials peer = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
      pid = peer.pid();
      int uid = Handover.ourUid();
      if (peer.uid() != uid) {
        fail(new Failure(Failure.Kind.BROKEN, "the daemon on " + socketFile + " (pid " + pid + ") runs as uid "
            + peer.uid() + ", and this process as uid " + uid + ": a takeover needs the same user"));
        return;
      }
      Handover.send(ctx.channel(), "TAKEOVER " + Handover.VERSION);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FileDescriptor fd) {
        received(fd);
        return;
      }
      ByteBuf buf = (ByteBuf) msg;
      String line;
      try {
        line = buf.toString(UTF_8);
      } finally {
        buf.release();
      }
      answered(line);
    }

    private void answered(String line) {
      if (line.startsWith("REFUSED ")) {
        fail(new Failure(Failure.Kind.REFUSED, line.substring("REFUSED ".length())));
      } else if (step == Step.ASKED && line.startsWith("OFFER ")) {
        offer(line.substring("OFFER ".length()));
      } else if (step == Step.SERVING && line.equals("EXITING")) {
        step = Step.HANDED_OVER;
        handedOver.complete(null);
      } else {
        fail(new Failure(Failure.Kind.BROKEN, "unexpected answer from the daemon on " + socketFile + " while "
            + step + ": \"" + Handover.oneLine(line) + "\""));
      }
    }

    private void offer(String offer) {
      try {
        names = Handover.names(offer);
      } catch (IllegalArgumentException e) {
        fail(new Failure(Failure.Kind.BROKEN, "the daemon on " + socketFile + " offered " + e.getMessage()));
        return;
      }
      step = Step.RECEIVING;
      ((EpollDomainSocketChannel) ctx.channel()).config().setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS);
      // SEND leaves only after this read loop ends: the loop reads on in its bytes mode, and
      // would lose a descriptor that arrived meanwhile.
      ctx.executor().execute(() -> Handover.send(ctx.channel(), "SEND"));
    }

    private void received(FileDescriptor fd) {
      if (step != Step.RECEIVING) {
        closeQuietly(fd);
        fail(new Failure(Failure.Kind.BROKEN, "the daemon on " + socketFile + " sent a descriptor while " + step));
        return;
      }
      received.add(fd);
      if (received.size() < names.size()) {
        return;
      }
      // Nothing follows the descriptors until SERVING, so bytes mode is safe to read on.
      ((EpollDomainSocketChannel) ctx.channel()).config().setReadMode(DomainSocketReadMode.BYTES);
      step = Step.TAKEN;
      List<Listener> listeners = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        listeners.add(new Listener(names.get(i), received.get(i).intValue()));
      }
      if (!offered.complete(List.copyOf(listeners))) {
        closeReceived(); // the caller gave up meanwhile
      }
    }

    /** Runs on the event loop, for {@link Takeover#serving()}. */
    void serving() {
      if (step == Step.TAKEN) {
        step = Step.SERVING;
        Handover.send(ctx.channel(), "SERVING");
      }
    }

    /** Ends the takeover with {@code failure} where it is still open, and the connection. */
    void fail(Failure failure) {
      offered.completeExceptionally(failure);
      handedOver.completeExceptionally(failure);
      if (ctx != null) {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Step was = step;
      step = Step.ENDED;
      offered.completeExceptionally(new Failure(Failure.Kind.BROKEN,
          "the daemon on " + socketFile + " closed the connection before it handed its sockets over"));
      if (offered.isCompletedExceptionally()) {
        closeReceived();
      }
      if (was != Step.ASKED && was != Step.RECEIVING) {
        handedOver.complete(null); // gone without a refusal: nobody else accepts
      }
      gone.complete(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(new Failure(Failure.Kind.BROKEN, "talking to the daemon on " + socketFile + ": " + cause.getMessage()));
    }

    void closeReceived() {
      received.forEach(Newcomer::closeQuietly);
      received.clear();
    }

    private static void closeQuietly(FileDescriptor fd) {
      try {
        fd.close();
      } catch (IOException e) {
        // already closed; nothing held
      }
    }
  }
}
