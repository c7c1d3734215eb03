package dev.nonstop.daemon;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.admin.ControlException;
import dev.nonstop.demo.Load;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Server;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state folder that takes no more bytes (a full disk: a small tmpfs when this runs as root, else
 * a folder made read-only) stops the change, never the site: a deploy is refused before its first
 * step, and one that meets the full disk half-way puts the capacity back.
 */
class StateUnwritableTest {
  @TempDir Path dir;
  private Path state;
  private boolean mounted;
  private Daemon daemon;
  private Load load;

  @BeforeEach
  void smallDisk() throws Exception {
    state = dir.resolve("state");
    Files.createDirectories(state);
    if (isRoot()) { // root writes through any file mode: only a full disk stops it
      mounted = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", state.toString()) == 0;
      assertThat(mounted).as("mount a 1 MiB tmpfs on " + state).isTrue();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (load != null) {
      load.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    state.toFile().setWritable(true);
    if (mounted) {
      run("umount", "-l", state.toString());
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor(30, SECONDS) ? p.exitValue() : -1;
  }

  /** Takes every byte the state folder has left, or makes it read-only. */
  private void fill() throws IOException {
    if (!mounted) {
      state.toFile().setWritable(false);
      return;
    }
    byte[] block = new byte[16 * 1024];
    try (OutputStream out = Files.newOutputStream(state.resolve("filler"))) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      // the disk is full
    }
  }

  private List<Long> livePids() {
    return daemon.fleet().live().stream().map(s -> s.instance().pid()).sorted().toList();
  }

  private List<String> liveVersions() {
    return daemon.fleet().live().stream().map(s -> s.release().version()).toList();
  }

  private void steadyLoad() {
    load = Load.start(daemon.listenAddress(), "/", 4, 100);
    long start = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().ok() > start + 20);
  }

  @Test
  void aDeployIsRefusedBeforeItsFirstStepWhenTheStateCannotBeSaved() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, "batch: 1\n"), "1.0.1", e -> { });
    steadyLoad();
    List<Long> before = livePids();
    fill();

    assertThatThrownBy(() -> daemon.deploy(new DeployRequest("1.0.2", "in-place", null, null, false)))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("the state cannot be saved")
        .hasMessageContaining("nothing was changed");

    assertThat(livePids()).isEqualTo(before);
    assertThat(liveVersions()).containsOnly("1.0.1");
    long ok = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.snapshot().ok() > ok + 50);
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
  }

  @Test
  void aDiskThatFillsUpHalfWayFailsTheDeployAndItsUndoPutsTheCapacityBack() throws Exception {
    daemon = Daemon.start(Fixture.config(dir, 2, "batch: 1\n"), "1.0.1", e -> { });
    steadyLoad();
    AtomicBoolean filled = new AtomicBoolean();

    Progress deploy = daemon.deploy(new DeployRequest("1.0.2", "in-place", "1", null, false));
    deploy.subscribe(e -> {
      // the first server is stopped next: then the disk is full, before its successor is recorded
      if (e.type().equals("step") && e.message().contains("stop them") && filled.compareAndSet(false, true)) {
        try {
          fill();
        } catch (IOException ex) {
          throw new java.io.UncheckedIOException(ex);
        }
      }
    });
    Event end = deploy.done().get(120, SECONDS);

    assertThat(filled).isTrue();
    assertThat(end.type()).isEqualTo("failed");
    assertThat(end.message()).contains("the state file cannot record it");
    assertThat(liveVersions()).as("capacity is back").containsExactlyInAnyOrder("1.0.1", "1.0.1");
    for (Server s : daemon.fleet().live()) {
      await().atMost(Duration.ofSeconds(20)).until(() -> s.backend().isUsable());
    }
    long ok = load.snapshot().ok();
    await().atMost(Duration.ofSeconds(10)).until(() -> load.snapshot().ok() > ok + 50);
    assertThat(load.snapshot().failed()).as("%s", load.snapshot().failures()).isZero();
  }
}
