package dev.nonstop.daemon;

import dev.nonstop.config.AppConfig;
import dev.nonstop.deploy.DeployException;
import dev.nonstop.pool.Backend;
import dev.nonstop.state.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One {@code nonstop up} per state folder: an exclusive lock on {@code state/nonstop.lock}, held
 * for the daemon's life. The kernel drops it when the process ends, however it ends (even on
 * {@code kill -9}), so a crashed daemon never leaves the folder locked. Who holds it is written to
 * {@code state/daemon.json}, for the message a second {@code up} prints.
 *
 * <p>Taken before the state is read or any server is touched: a second {@code up} (the same file
 * started twice, or another app pointed at the same folder) must not stop the first one's
 * servers as leftovers, nor overwrite its state.
 */
final class StateLock implements AutoCloseable {
  static final String LOCK_FILE = "nonstop.lock";
  static final String OWNER_FILE = "daemon.json";

  /** Who holds the lock; addresses as {@code host:port}. */
  record Owner(long pid, String app, String listen, String admin, String config, String since) {}

  private final FileChannel channel;
  private final FileLock lock;
  private final StateStore<Owner> owner;

  private StateLock(FileChannel channel, FileLock lock, StateStore<Owner> owner) {
    this.channel = channel;
    this.lock = lock;
    this.owner = owner;
  }

  /**
   * Locks {@code config}'s state folder (creating it) and says who holds it now.
   *
   * @throws DeployException naming the running {@code up} when another one holds the lock
   */
  static StateLock take(AppConfig config) throws DeployException {
    Path dir = config.state();
    StateStore<Owner> owner = new StateStore<>(dir.resolve(OWNER_FILE), Owner.class);
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        channel.close();
        throw new DeployException(held(dir, owner));
      }
      StateLock taken = new StateLock(channel, lock, owner);
      taken.announce(config, config.listen(), config.admin());
      return taken;
    } catch (IOException | UncheckedIOException e) {
      closeQuietly(channel);
      throw new DeployException("cannot lock the state folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // a daemon in this very JVM holds it (tests)
    }
  }

  /** Writes who holds the lock; called again once the real addresses are known (port 0). */
  void announce(AppConfig config, InetSocketAddress listen, InetSocketAddress admin) {
    owner.save(new Owner(ProcessHandle.current().pid(), config.app(), Backend.text(listen), Backend.text(admin),
        config.file() == null ? null : config.file().toString(), Instant.now().toString()));
  }

  private static String held(Path dir, StateStore<Owner> owner) {
    String who;
    try {
      who = owner.load()
          .filter(o -> ProcessHandle.of(o.pid()).map(ProcessHandle::isAlive).orElse(false))
          .map(o -> "pid " + o.pid() + " (" + o.app() + ", listening on " + o.listen() + ", admin API on " + o.admin()
              + (o.config() == null ? "" : ", from " + o.config()) + ", since " + o.since() + ")")
          .orElse("another process (it has not said which yet; try again in a moment)");
    } catch (UncheckedIOException e) {
      who = "another process (" + owner.file() + " cannot be read)";
    }
    return "the state folder " + dir + " is in use by a running nonstop up: " + who
        + "; nothing was changed. Stop that one first, or give this app its own state: folder";
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // nothing held
    }
  }

  /** Lets another {@code up} have the folder; daemon.json stays, and is only read under a lock held. */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel below releases it anyway
    }
    closeQuietly(channel);
  }
}
