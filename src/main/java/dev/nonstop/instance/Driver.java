package dev.nonstop.instance;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Starts and stops the servers of releases. */
public interface Driver {

  /**
   * Starts one server of {@code release} in {@code slot} on {@code port}, named {@code serverId}
   * (in its environment, to find it again); returns once spawned.
   */
  Instance start(Release release, int slot, int port, String serverId) throws IOException;

  /**
   * Takes over a server an earlier Nonstop started, still running as {@code process}.
   *
   * @throws IllegalStateException when that process is gone
   */
  Instance adopt(Release release, int slot, int port, ProcessId process);

  /** The stop signal, then KILL after the stop timeout; completes with the exit code. */
  CompletableFuture<Integer> stop(Instance instance);
}
