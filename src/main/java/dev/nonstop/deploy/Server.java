package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.instance.Instance;
import dev.nonstop.instance.Release;
import dev.nonstop.pool.Backend;

/**
 * One server of a release as the control plane sees it: the process ({@link Instance}) and the
 * load balancer's view of it ({@link Backend}). A crashed server is restarted on the same port, so
 * the backend stays and only the instance changes.
 *
 * <p>Thread-safe: the instance and flags are volatile; the fleet's supervisor and deploy threads
 * read them.
 */
public final class Server {
  private final String id;
  private final Release release;
  private final int slot;
  private final Backend backend;
  private volatile Instance instance;
  private volatile boolean supervised;
  private volatile boolean stopping;
  private volatile int restarts;
  private volatile int crashes;
  private volatile String lastExit = "";
  /** Crashes in a row, without a stable run between them (see {@link Supervisor#STABLE_NANOS}). */
  private volatile int crashStreak;
  /** When its current process started (System.nanoTime). */
  private volatile long upSince = System.nanoTime();

  Server(String id, Release release, int slot, Backend backend, Instance instance) {
    this.id = requireNonNull(id, "id");
    this.release = requireNonNull(release, "release");
    this.slot = slot;
    this.backend = requireNonNull(backend, "backend");
    this.instance = requireNonNull(instance, "instance");
  }

  /** Its name in the state file and in its process's environment; kept across restarts of it. */
  public String id() {
    return id;
  }

  public Release release() {
    return release;
  }

  /** The {instance} number it fills, from 1. */
  public int slot() {
    return slot;
  }

  public Backend backend() {
    return backend;
  }

  public Instance instance() {
    return instance;
  }

  public int port() {
    return backend.address().getPort();
  }

  void replaceInstance(Instance next) {
    instance = requireNonNull(next, "next");
    upSince = System.nanoTime();
  }

  /** Counts a crash at {@code now}: the streak goes on, or starts again after a stable run. */
  int countCrash(long now) {
    crashStreak = Supervisor.nextStreak(crashStreak, now - upSince);
    return crashStreak;
  }

  /** Once a server has served traffic, the fleet restarts it when it dies. */
  boolean supervised() {
    return supervised;
  }

  void supervise() {
    supervised = true;
  }

  boolean stopping() {
    return stopping;
  }

  void markStopping() {
    stopping = true;
  }

  /** How often the fleet restarted it after a crash (only the fleet's timer thread writes it). */
  public int restarts() {
    return restarts;
  }

  void countRestart() {
    restarts++;
  }

  /**
   * How often its process exited when nothing asked it to (only the process-reaper threads write
   * it, one exit at a time).
   */
  public int crashes() {
    return crashes;
  }

  /** How its process last exited unasked, e.g. "exited with code 1"; empty if it never did. */
  public String lastExit() {
    return lastExit;
  }

  void crashed(int code) {
    lastExit = "exited with code " + code;
    crashes++;
  }

  @Override
  public String toString() {
    return release.version() + "#" + slot + "@" + backend.name();
  }
}
