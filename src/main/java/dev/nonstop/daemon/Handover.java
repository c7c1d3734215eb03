package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A takeover without a gap: a new daemon ({@code nonstop up --takeover}, the newcomer) asks the
 * running one, over a Unix socket in the state folder, for its listening sockets, starts accepting
 * on them, and then tells the old daemon to stop accepting, drain and exit. The old daemon's
 * end is {@link #serve}, the newcomer's {@link #request}. Independent of the rest of the daemon:
 * the old one answers through a {@link Host}.
 *
 * <p>The protocol, one line at a time in UTF-8, lines ending in {@code \n}; N stands for the
 * newcomer, O for the old daemon:
 * <pre>
 * N: TAKEOVER 1                  the protocol's version
 * O: OFFER listen admin          the names of the sockets it will send, in order
 *    or REFUSED &lt;reason&gt;        and O closes
 * N: SEND                        N now reads file descriptors, not bytes
 * O: one SCM_RIGHTS message per socket, in the offered order
 * N: SERVING                     N accepts on them; or N closes, and O resumes
 * O: EXITING                     O stopped accepting, no longer offers takeovers, drains
 * O: (end of file)               O's process is gone
 * </pre>
 * Bytes and descriptors never cross in flight: the newcomer switches its socket to read
 * descriptors before it sends {@code SEND} and back to bytes once it has them all, and the old
 * daemon writes nothing between {@code OFFER} and {@code SEND} (a newcomer too slow to ask is
 * closed without a word) nor after the descriptors until {@code SERVING} (a newcomer too slow to
 * serve gets a {@code REFUSED}, a whole step after the descriptors). A descriptor read as bytes
 * would be lost; bytes read as descriptors close the connection.
 *
 * <p>Both ends check that the peer runs as the same user (SO_PEERCRED), and give up on a peer
 * that does not answer within their timeout. Linux only (Netty's native epoll transport): the
 * old daemon's listeners are Linux sockets anyway.
 */
final class Handover {
  static final String VERSION = "1";
  /** How long {@link #serve(Path, Host)} waits for each step of a newcomer. */
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
  /** The longest line either end accepts: a refusal reason, a list of names. */
  static final int MAX_LINE = 4096;
  /** {@code sun_path} is 108 bytes on Linux, its last one a NUL. */
  private static final int MAX_PATH_BYTES = 107;

  private Handover() {}

  /**
   * Listens for newcomers on {@code socketFile}, waiting at most {@link #STEP_TIMEOUT} for each of
   * their steps. See {@link HandoverServer} for what it does to a file already there.
   *
   * @throws IOException if a daemon already answers there, something else than a socket is in
   *     the way, or the socket cannot be bound
   */
  static HandoverServer serve(Path socketFile, Host host) throws IOException {
    return serve(socketFile, host, STEP_TIMEOUT);
  }

  /** As {@link #serve(Path, Host)}, waiting at most {@code timeout} for each step of a newcomer. */
  static HandoverServer serve(Path socketFile, Host host, Duration timeout) throws IOException {
    checkPath(socketFile);
    requireNonNull(host, "host");
    return HandoverServer.start(socketFile, host, positive(timeout));
  }

  /**
   * Asks the daemon on {@code socketFile} for its listening sockets; returns once they are this
   * process's own descriptors. The old daemon is then frozen until {@link Takeover#serving()} or
   * {@link Takeover#close()}.
   *
   * @param timeout for the whole exchange, connecting included; also for {@link Takeover#serving()}
   * @throws Failure with the old daemon's refusal, "no daemon answers on ...", or the timeout, as
   *     its message
   */
  static Takeover request(Path socketFile, Duration timeout) throws Failure, InterruptedException {
    checkPath(socketFile);
    return Takeover.request(socketFile, positive(timeout));
  }

  /**
   * What the old daemon does for a takeover. Its methods run on the handover's event loop, one at
   * a time: they should return promptly (start a drain, do not wait for it).
   */
  interface Host {
    /**
     * A newcomer asks to take over: refuse (and nothing else happens), or freeze all changes (no
     * deploy may start) and offer the listening sockets. The sockets stay this daemon's: it keeps
     * accepting on them until {@link #handOver()}, and the newcomer's copies are its own. An
     * exception is a refusal, its message the reason.
     */
    Offer prepare(long newcomerPid);

    /**
     * The newcomer of the last offer went away (closed, crashed, too slow) before it served:
     * unfreeze and carry on as if nothing happened. Not called when the handover server itself
     * is closed.
     */
    void resume();

    /**
     * The newcomer accepts on the sockets now: stop accepting (close this daemon's own listening
     * descriptors: the newcomer's stay open), drain, and exit, without stopping the app's servers.
     * Should start that and return; the newcomer learns of the exit when the connection ends,
     * which is when this process ends (or closes its {@link HandoverServer}).
     */
    void handOver();
  }

  /** A listening socket's descriptor, named so the newcomer knows which is which. */
  record Listener(String name, int fd) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    Listener {
      requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("name: \"" + name + "\" (expected: 1 to 64 of A-Z a-z 0-9 _ . -)");
      }
      if (fd < 0) {
        throw new IllegalArgumentException("fd: " + fd + " (expected: >= 0)");
      }
    }
  }

  /** The old daemon's answer to a newcomer: the sockets to hand over, or why not. */
  record Offer(List<Listener> listeners, String refusal) {
    Offer {
      listeners = List.copyOf(listeners);
      if ((refusal == null) == listeners.isEmpty()) {
        throw new IllegalArgumentException("an offer has listeners or a refusal (expected: one of them)");
      }
      if (listeners.stream().map(Listener::name).distinct().count() < listeners.size()) {
        throw new IllegalArgumentException("listeners: " + listeners + " (expected: distinct names)");
      }
    }

    static Offer of(List<Listener> listeners) {
      return new Offer(requireNonNull(listeners, "listeners"), null);
    }

    /** A refusal, as the newcomer will print it (on one line). */
    static Offer refused(String reason) {
      requireNonNull(reason, "reason");
      return new Offer(List.of(), oneLine(reason.isBlank() ? "refused" : reason));
    }

    boolean isRefusal() {
      return refusal != null;
    }
  }

  /** A takeover that did not happen; the message says why, for the newcomer to print. */
  static final class Failure extends Exception {
    enum Kind {
      /** Nothing listens on the socket file (none there, or one a dead daemon left). */
      NO_DAEMON,
      /** The old daemon said no, or gave up on the newcomer. */
      REFUSED,
      /** The old daemon did not answer in time. */
      TIMEOUT,
      /** The connection broke, or the other end does not speak this protocol. */
      BROKEN
    }

    private final Kind kind;

    Failure(Kind kind, String message) {
      super(message);
      this.kind = kind;
    }

    Kind kind() {
      return kind;
    }
  }

  // ---- shared by both ends ----

  /** One event loop on epoll, on a daemon thread: a takeover never keeps a JVM alive. */
  static EventLoopGroup oneLoop(String name) {
    return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name, /* daemon= */ true),
        EpollIoHandler.newFactory());
  }

  static void shutdown(EventLoopGroup group) {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Splits the bytes read into lines; a line longer than {@link #MAX_LINE} fails the connection at once. */
  static LineBasedFrameDecoder lines() {
    return new LineBasedFrameDecoder(MAX_LINE, /* stripDelimiter= */ true, /* failFast= */ true);
  }

  static ChannelFuture send(Channel ch, String line) {
    return ch.writeAndFlush(Unpooled.copiedBuffer(line + "\n", UTF_8));
  }

  /** This process's user: the owner of /proc/self. */
  static int ourUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      throw new IllegalStateException("cannot tell this process's user from /proc/self: " + e.getMessage(), e);
    }
  }

  static String oneLine(String s) {
    return s.replaceAll("[\\r\\n]+", " ");
  }

  /** The offered names as they travel: separated by single spaces. */
  static List<String> names(String line) {
    List<String> names = List.of(line.split(" "));
    if (names.stream().anyMatch(n -> !Listener.NAME.matcher(n).matches()) || new HashSet<>(names).size() < names.size()) {
      throw new IllegalArgumentException("bad names in \"" + line + "\"");
    }
    return names;
  }

  private static void checkPath(Path socketFile) {
    requireNonNull(socketFile, "socketFile");
    int bytes = socketFile.toString().getBytes(UTF_8).length;
    if (bytes > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("socketFile: " + socketFile + " is " + bytes
          + " bytes long (expected: at most " + MAX_PATH_BYTES + ", the limit of a Unix socket's path)");
    }
  }

  private static Duration positive(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
    return timeout;
  }
}
