package dev.nonstop.instance;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One running server process of a release. (Contract only: lands with the instance work.) */
public final class Instance {
  private Instance() {}

  /** e.g. {@code hello-1.0.2-3} */
  public String id() {
    throw new UnsupportedOperationException();
  }

  public Release release() {
    throw new UnsupportedOperationException();
  }

  /** The slot number ({instance}) it fills, from 1. */
  public int slot() {
    throw new UnsupportedOperationException();
  }

  public int port() {
    throw new UnsupportedOperationException();
  }

  public long pid() {
    throw new UnsupportedOperationException();
  }

  public Path logFile() {
    throw new UnsupportedOperationException();
  }

  public boolean isAlive() {
    throw new UnsupportedOperationException();
  }

  /** Completes with the exit code when the process ends, however it ends. */
  public CompletableFuture<Integer> exited() {
    throw new UnsupportedOperationException();
  }

  /** The last {@code n} lines of its log. */
  public List<String> lastLogLines(int n) {
    throw new UnsupportedOperationException();
  }
}
