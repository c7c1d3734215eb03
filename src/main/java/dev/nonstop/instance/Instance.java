package dev.nonstop.instance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One running server process of a release, as started by a {@link Driver}. Immutable apart from
 * the process itself; any thread may use it.
 */
public final class Instance {
  private final String id;
  private final Release release;
  private final int slot;
  private final int port;
  private final ProcessHandle process;
  private final Path logFile;
  private final CompletableFuture<Integer> exited;
  private final ProcessId processId;
  private final boolean adopted;

  /** A server this JVM spawned: its exit code is known. */
  Instance(Placement placement, Process process, Path logFile) {
    this(placement, process.toHandle(), logFile, process.onExit().thenApply(Process::exitValue), false);
  }

  /**
   * A server an earlier Nonstop spawned and this one took over: not a child of this JVM, so its
   * exit is noticed (by polling) but its exit code is unknown: -1.
   */
  Instance(Placement placement, ProcessHandle handle, Path logFile) {
    this(placement, handle, logFile, handle.onExit().thenApply(h -> UNKNOWN_EXIT), true);
  }

  private Instance(Placement placement, ProcessHandle handle, Path logFile, CompletableFuture<Integer> exited,
      boolean adopted) {
    this.id = placement.id();
    this.release = placement.release();
    this.slot = placement.slot();
    this.port = placement.port();
    this.process = handle;
    this.logFile = logFile;
    this.exited = exited;
    this.adopted = adopted;
    this.processId = ProcessId.of(handle.pid()).orElse(new ProcessId(handle.pid(), 0));
  }

  /** The exit code of a server that was not this JVM's child. */
  public static final int UNKNOWN_EXIT = -1;

  /** e.g. {@code hello-1.0.2-3} */
  public String id() {
    return id;
  }

  public Release release() {
    return release;
  }

  /** The slot number ({instance}) it fills, from 1. */
  public int slot() {
    return slot;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** Pid and start time, as saved in the state file to find it again after a restart. */
  public ProcessId processId() {
    return processId;
  }

  /** Whether an earlier Nonstop started it and this one took it over. */
  public boolean adopted() {
    return adopted;
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Completes with the exit code when the process ends, however it ends; a process ended by a
   * signal exits 128 + the signal's number (143 for TERM, 137 for KILL). Each call returns a new
   * future, so a caller completing its own copy changes nothing for others.
   */
  public CompletableFuture<Integer> exited() {
    return exited.copy();
  }

  /** The last {@code n} lines of its log; reads the file from its end. */
  public List<String> lastLogLines(int n) {
    try {
      return LogTail.lastLines(logFile, n);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + logFile, e);
    }
  }

  /** The handle to signal; it checks the process's start time, so a reused pid is never hit. */
  ProcessHandle process() {
    return process;
  }

  @Override
  public String toString() {
    return id + " (pid " + process.pid() + ", port " + port + ")";
  }
}
