package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.Main;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.ConfigLoader;
import dev.nonstop.demo.Load;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemctl reload} as systemd does it: SIGHUP to the daemon, which starts its successor;
 * the successor takes over under load and tells the notify socket (bound here, as systemd's) that
 * it is the main process now, before the old daemon exits.
 */
class ReloadTest {
  @TempDir Path dir;
  private EventLoopGroup group;
  private Channel systemd;
  private final BlockingQueue<String> notified = new LinkedBlockingQueue<>();
  private UpProcess up;
  private Load load;
  private long successor;

  @AfterEach
  void stop() throws Exception {
    if (load != null) {
      load.close();
    }
    if (successor != 0) {
      ProcessHandle.of(successor).ifPresent(h -> {
        h.destroy();
        h.onExit().orTimeout(60, TimeUnit.SECONDS).join();
      });
    }
    if (up != null) {
      up.close();
    }
    if (systemd != null) {
      systemd.close().sync();
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private String next() throws InterruptedException {
    String s = notified.poll(90, TimeUnit.SECONDS);
    assertThat(s).as("a notification within 90 s").isNotNull();
    return s;
  }

  private JsonNode status(Path file) throws Exception {
    StringWriter out = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    assertThat(cl.execute("status", "--json", "-f", file.toString())).isZero();
    return new ObjectMapper().readTree(out.toString());
  }

  private List<Long> pids(Path file) throws Exception {
    List<Long> pids = new ArrayList<>();
    status(file).path("groups").forEach(g -> g.path("servers").forEach(s -> pids.add(s.path("pid").asLong())));
    return pids;
  }

  @Test
  void sighupUnderSystemdStartsASuccessorThatTakesOverAndBecomesTheMainProcess() throws Exception {
    assumeThat(Epoll.isAvailable()).as("Netty's native epoll").isTrue();
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Path socket = dir.resolve("notify");
    systemd = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
            notified.add(new String(ByteBufUtil.getBytes(packet.content()), UTF_8));
          }
        })
        .bind(new DomainSocketAddress(socket.toString())).sync().channel();
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(2, "drain: 5s\n"));
    AppConfig config = ConfigLoader.load(file);

    up = UpProcess.live(Map.of("NOTIFY_SOCKET", socket.toString()), file, "--version", "1.0.1");
    assertThat(next()).isEqualTo("READY=1");
    List<Long> servers = pids(file);
    load = Load.start(config.listen(), "/", 4, 200);
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > 50);

    new ProcessBuilder("kill", "-HUP", Long.toString(up.process.pid())).start().waitFor();

    String main = next();
    assertThat(main).matches("MAINPID=\\d+\nREADY=1");
    successor = Long.parseLong(main.substring("MAINPID=".length(), main.indexOf('\n')));
    assertThat(successor).isNotEqualTo(up.process.pid());
    // (its output pipe stays open: the successor writes to the same journal)
    assertThat(up.process.waitFor(60, TimeUnit.SECONDS)).as(up.output()).isTrue();
    assertThat(up.process.exitValue()).isZero();
    assertThat(up.output()).contains("took over: exiting; the servers keep running");
    long ok = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > ok + 200);
    load.close();
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
    assertThat(pids(file)).containsExactlyInAnyOrderElementsOf(servers);
    assertThat(ProcessHandle.of(successor).map(ProcessHandle::isAlive)).contains(true);
  }
}
