package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.pool.AdminState;
import dev.nonstop.pool.Backend;
import dev.nonstop.pool.Pool;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.NettyRuntime;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.SystemPropertyUtil;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: an HTTP/1.1 reverse proxy in front of the current {@link Pool}. Thread-safe:
 * every method may be called from any thread; requests read the pool, the maintenance page and the
 * listener through volatile reads, and per-connection work stays on its event loop.
 */
public final class Proxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Proxy.class);

  static {
    // Netty samples buffers for leak reports by default, filling a stack trace per sample: a
    // measurable cost on this hot path. Off unless asked for with -Dio.netty.leakDetection.level.
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  /**
   * Netty 4.2's default adaptive allocator cost about 15% of the proxy's CPU in profiles (its
   * shared queues); the pooled one serves each event loop from a thread-local cache.
   */
  static final ByteBufAllocator ALLOCATOR = allocator();

  /**
   * The pooled allocator with an arena per core (one per event loop) and chunks of 1 MiB (8 KiB
   * pages, order 7) instead of Netty's 4 MiB: a proxy's buffers are at most a read's worth, and
   * under load every arena holds at least one chunk. Measured under wrk: resident memory 6 MiB
   * lower, throughput the same. {@code -Dio.netty.allocator.maxOrder} still decides.
   */
  private static ByteBufAllocator allocator() {
    int arenas = NettyRuntime.availableProcessors();
    int maxOrder = SystemPropertyUtil.getInt("io.netty.allocator.maxOrder", 7);
    return new PooledByteBufAllocator(true, 0, arenas, PooledByteBufAllocator.defaultPageSize(),
        maxOrder, PooledByteBufAllocator.defaultSmallCacheSize(),
        PooledByteBufAllocator.defaultNormalCacheSize(),
        PooledByteBufAllocator.defaultUseCacheForAllThreads());
  }

  private final ProxyOptions options;
  /** The first site: the only one of a proxy that serves one app. */
  private final Site site;
  /** Which site answers a request; {@link Routes#single} of {@link #site} until set. */
  volatile Routes routes;
  private final EventLoopGroup group;
  private final Map<EventExecutor, Worker> workers;
  private final Channel server;
  private final TransportKind transport;
  private final Class<? extends io.netty.channel.ServerChannel> serverChannel;
  private final AcceptGate gate;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The hand-off of the listener, once asked for; at most one. */
  private final AtomicReference<HandOff> handOff = new AtomicReference<>();
  /** Nanoseconds, for every deadline and latency of the data plane; tests pass their own. */
  final LongSupplier clock;
  final BufferMemory memory;
  /** Re-reads changed certificate files; null without TLS. */
  private final ScheduledExecutorService tlsReload;

  private Proxy(ProxyOptions options, Pool pool, LongSupplier clock, Function<Proxy, Routes> routing) {
    this.options = options;
    this.clock = clock;
    this.site = new Site("app", this, pool);
    // set before the listener accepts: no request may meet the first site in another's place
    this.routes = routing == null ? Routes.single(site) : requireNonNull(routing.apply(this), "routes");
    int threads = options.ioThreads() > 0 ? options.ioThreads()
        : Runtime.getRuntime().availableProcessors();
    int fd = options.inheritedFd();
    TransportKind wanted = fd == ProxyOptions.NO_FD ? options.transport()
        : InheritedListener.transport(options.transport(), fd);
    Transport transport = Transport.open(wanted, threads);
    this.group = transport.group();
    this.transport = transport.kind();
    this.serverChannel = transport.serverChannel();
    Map<EventExecutor, Worker> byLoop = new IdentityHashMap<>();
    for (EventExecutor e : group) {
      byLoop.put(e, new Worker((EventLoop) e, transport, options, clock));
    }
    this.workers = byLoop;
    this.memory = BufferMemory.of(options.limits().maxBufferMemory());
    group.next().scheduleAtFixedRate(Fatal.guard(memory::update), 0, BufferMemory.UPDATE_MILLIS,
        TimeUnit.MILLISECONDS);
    this.gate = new AcceptGate(options.limits().maxConnections(), FdLimit.current(), clock);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .handler(gate)
        .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            Protocols.init(ch, Proxy.this, workers.get(ch.eventLoop()));
          }
        });
    try {
      this.server = fd == ProxyOptions.NO_FD ? bind(bootstrap, transport, options.listen())
          : InheritedListener.serve(bootstrap, fd);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      throw e;
    }
    this.tlsReload = options.front().tls() == null ? null : reloadEvery(options.front().tls());
    log.info("proxy listening on {} ({}, {} event loops{}{})", address(), transport.kind(), threads,
        fd == ProxyOptions.NO_FD ? "" : ", inherited socket fd " + fd, frontDoor(options.front()));
    watchLoops();
  }

  /** How often the certificate files are checked for a change. */
  static final Duration TLS_RELOAD_PERIOD = Duration.ofSeconds(2);

  /** Certificate files are checked off the event loops: loading one takes milliseconds. */
  private static ScheduledExecutorService reloadEvery(Certificates tls) {
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nonstop-tls-reload");
      t.setDaemon(true);
      return t;
    });
    long ms = TLS_RELOAD_PERIOD.toMillis();
    s.scheduleWithFixedDelay(Fatal.guard(tls::reload), ms, ms, TimeUnit.MILLISECONDS);
    return s;
  }

  private static String frontDoor(FrontDoor f) {
    if (f.tls() != null) {
      return "; TLS by " + f.tls().engine();
    }
    return f.h2c() ? "; HTTP/2 with prior knowledge too" : "";
  }

  private static Channel bind(ServerBootstrap b, Transport transport, InetSocketAddress listen) {
    return b.channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .bind(listen)
        .syncUninterruptibly()
        .channel();
  }

  /**
   * An event loop that ended while the proxy is open (an Error escaped it, most often an
   * OutOfMemoryError met outside any handler: Netty logs it and lets the loop end) leaves its
   * connections accepted and never answered: the process ends instead, to be restarted.
   */
  private void watchLoops() {
    for (EventExecutor e : group) {
      e.terminationFuture().addListener(f -> {
        if (!closed.get()) {
          Fatal.halt(System.err, loopDied());
        }
      });
    }
  }

  private String loopDied() {
    long used = Math.max(BufferMemory.directMemoryInUse(), memory.recentPeak());
    long max = io.netty.util.internal.PlatformDependent.maxDirectMemory();
    // out of memory: within a tenth of the limit, or with no room for one more chunk of the pool
    long chunk = ((PooledByteBufAllocator) ALLOCATOR).metric().chunkSize();
    if (used > max / 10 * 9 || used > max - chunk) {
      return "out of memory (direct buffers: " + (used >> 10) + " of " + (max >> 10)
          + " KiB in use): an event loop of the proxy died";
    }
    return "an event loop of the proxy died (its error is logged above)";
  }

  /**
   * Binds {@code options.listen()}, or takes the listening socket {@code options.inheritedFd()},
   * and serves {@code pool}; returns once it listens.
   *
   * @throws IllegalArgumentException if the transport asked for by name is not available here, or
   *     the inherited descriptor is no listening TCP socket, or is given with transport NIO
   */
  public static Proxy start(ProxyOptions options, Pool pool) {
    requireNonNull(options, "options");
    requireNonNull(pool, "pool");
    return new Proxy(options, pool, System::nanoTime, null);
  }

  /**
   * As {@link #start(ProxyOptions, Pool)}, routing by what {@code routing} returns (its sites made
   * with {@link #newSite}, {@link #site()} among them) from the first connection on.
   */
  public static Proxy start(ProxyOptions options, Pool pool, Function<Proxy, Routes> routing) {
    requireNonNull(options, "options");
    requireNonNull(pool, "pool");
    return new Proxy(options, pool, System::nanoTime, requireNonNull(routing, "routing"));
  }

  /** As {@link #start(ProxyOptions, Pool)}, with deadlines on {@code clock} (nanoseconds). */
  static Proxy start(ProxyOptions options, Pool pool, LongSupplier clock) {
    requireNonNull(options, "options");
    requireNonNull(pool, "pool");
    return new Proxy(options, pool, requireNonNull(clock, "clock"), null);
  }

  /**
   * The address the listener accepts on: the real port when the options asked for port 0, the
   * socket's own address when it was inherited.
   */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * The file descriptor of the listening socket, to pass to another process (a takeover), which
   * then accepts on the same socket. It stays this proxy's: closing the proxy or handing off
   * closes this descriptor, not the other process's.
   *
   * @throws UnsupportedOperationException on NIO, whose channels show no descriptor
   * @throws IllegalStateException once the listener is closed (a hand-off, or close)
   */
  public int listenerFd() {
    if (!(server instanceof UnixChannel)) {
      throw new UnsupportedOperationException("transport " + transport + " shows no file "
          + "descriptor of its listening socket (expected: epoll or io_uring)");
    }
    if (!server.isOpen()) {
      throw new IllegalStateException("the listening socket on " + address() + " is closed");
    }
    return ((UnixChannel) server).fd().intValue();
  }

  /** The transport the event loops run on: never AUTO, but what AUTO found. */
  public TransportKind transport() {
    return transport;
  }

  public Pool pool() {
    return site.pool();
  }

  /** The first site, the one {@link #pool}, {@link #swap} and {@link #maintenance} act on. */
  public Site site() {
    return site;
  }

  /** A new site on this proxy, with no route to it until {@link #routes(Routes)} gives one. */
  public Site newSite(String name, Pool pool) {
    return new Site(name, this, pool);
  }

  /** Replaces the routes in one step: requests from now on are routed by {@code next}. */
  public void routes(Routes next) {
    routes = requireNonNull(next, "next");
  }

  /** Told of requests no site took: malformed ones, and those no route matched. */
  RequestListener fallbackListener() {
    List<Site> all = routes.sites();
    return (all.isEmpty() ? site : all.get(0)).listener;
  }

  ProxyOptions options() {
    return options;
  }

  /** The event loops: another listener of this process may serve on them too. */
  EventLoopGroup group() {
    return group;
  }

  Class<? extends io.netty.channel.ServerChannel> serverChannelClass() {
    return serverChannel;
  }

  /** Replaces the whole pool in one atomic step: the blue-green switch. */
  public void swap(Pool next) {
    site.swap(next);
  }

  /** Applies {@code change} to the current pool atomically (retrying on a concurrent change). */
  public Pool update(UnaryOperator<Pool> change) {
    return site.update(change);
  }

  /**
   * Stops selecting {@code backend} (admin state DRAINING), closes its idle connections, lets its
   * busy ones finish without reuse. Completes with 0 when its in-flight count reaches 0, or at
   * {@code timeout} with the number of requests it then cancelled (504 to a client that had no
   * response byte yet; the others see their connection closed).
   */
  public CompletableFuture<Integer> drain(Backend backend, Duration timeout) {
    requireNonNull(backend, "backend");
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    backend.setAdminState(AdminState.DRAINING);
    for (Worker w : workers.values()) {
      w.loop.execute(() -> w.pool.closeIdle(backend));
    }
    CompletableFuture<Integer> result = new CompletableFuture<>();
    AtomicBoolean cancelling = new AtomicBoolean();
    backend.whenIdle().thenRun(() -> {
      if (!cancelling.get()) {
        result.complete(0);
      }
    });
    ScheduledFuture<?> deadline = group.next().schedule(
        () -> cancelAll(backend, cancelling, result), timeout.toNanos(), TimeUnit.NANOSECONDS);
    result.whenComplete((n, e) -> deadline.cancel(false));
    return result;
  }

  private void cancelAll(Backend backend, AtomicBoolean cancelling, CompletableFuture<Integer> result) {
    cancelling.set(true);
    if (result.isDone()) {
      return;
    }
    onEveryLoop(w -> w.cancel(backend)).thenAccept(n -> {
      if (n > 0) {
        log.info("drain of {} timed out: {} requests cancelled", backend.name(), n);
      }
      result.complete(n);
    });
  }

  /** Runs {@code task} on every event loop, each on its own; completes with the sum of what they return. */
  private CompletableFuture<Integer> onEveryLoop(java.util.function.ToIntFunction<Worker> task) {
    List<CompletableFuture<Integer>> each = new ArrayList<>();
    for (Worker w : workers.values()) {
      each.add(CompletableFuture.supplyAsync(() -> task.applyAsInt(w), w.loop));
    }
    return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> each.stream().mapToInt(CompletableFuture::join).sum());
  }

  /**
   * Hands the listening socket off to another process that now accepts on it too (it got the
   * socket from {@link #listenerFd}): closes this proxy's descriptor of it, so that connections
   * queued in the kernel and new ones go to the other process, then ends every client connection
   * without failing a request. A connection with an exchange in flight finishes it (its response
   * says {@code Connection: close}, unless its head was made already: the connection then stays as
   * an idle one) and closes; a request that comes on a kept-alive connection is
   * answered with {@code Connection: close}; a connection with nothing in flight closes after
   * {@link HandOff#GRACE}; at {@code timeout}, whatever is left is closed. The event loops keep
   * running and the backends are not touched: {@link #close} ends the rest.
   *
   * <p>With a socket this proxy bound alone and nobody else holds, closing it refuses new
   * connections and resets those in its queue.
   *
   * @return completes once no client connection is open, with the number cut at {@code timeout}
   *     (0: every connection ended cleanly); a second call returns the first call's future
   */
  public CompletableFuture<Integer> handOff(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    if (closed.get()) {
      throw new IllegalStateException("the proxy is closed: nothing to hand off");
    }
    HandOff h = new HandOff(clock.getAsLong(), timeout);
    if (!handOff.compareAndSet(null, h)) {
      return handOff.get().done;
    }
    log.info("handing the listener on {} off: {} client connections to end within {} s",
        address(), gate.open(), timeout.toSeconds());
    h.begin(server, workers.values(), gate);
    h.done.thenAccept(cut -> log.info("hand-off done: {} client connections cut at the timeout",
        cut));
    return h.done;
  }

  /** Waits until each event loop has taken the hand-off up; for tests. */
  void awaitHandOffStarted() {
    handOff.get().started.join();
  }

  /** Client connections open (accepted and not closed yet). */
  int clientConnections() {
    return gate.open();
  }

  /**
   * Closes every stream (WebSocket and other tunnels, event streams) still open to {@code backend},
   * both sides: its server has stopped, or its group is switched away from. Completes with how many.
   */
  public CompletableFuture<Integer> cutStreams(Backend backend) {
    requireNonNull(backend, "backend");
    if (backend.streams() == 0) {
      return CompletableFuture.completedFuture(0);
    }
    return onEveryLoop(w -> w.cutStreams(backend));
  }

  /** Non-null: every request gets the 503 maintenance page with this message. Null: off. */
  public void maintenance(String message) {
    site.maintenance(message);
    log.info("maintenance {}", message == null ? "off" : "on: " + message);
  }

  public void listener(RequestListener listener) {
    site.listener(listener);
  }

  /** The event loops; tests hold them still to line up races. */
  List<EventLoop> eventLoops() {
    List<EventLoop> loops = new ArrayList<>();
    for (Worker w : workers.values()) {
      loops.add(w.loop);
    }
    return loops;
  }

  /** Checks every connection's deadlines now, on each event loop, and waits for it; for tests. */
  void checkDeadlinesNow() {
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (Worker w : workers.values()) {
      done.add(CompletableFuture.runAsync(w::tick, w.loop));
    }
    done.forEach(CompletableFuture::join);
  }

  /** Idle pooled backend connections over all event loops; for tests and status. */
  int idleConnections() {
    return onEveryLoop(w -> w.pool.size()).join();
  }

  /** Stops accepting, closes every connection, shuts the event loops down and waits for it. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close().syncUninterruptibly();
    if (tlsReload != null) {
      tlsReload.shutdownNow();
    }
    HandOff h = handOff.get();
    if (h != null) {
      h.closed(gate.open());
    }
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    log.info("proxy closed");
  }
}
