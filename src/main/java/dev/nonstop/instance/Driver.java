package dev.nonstop.instance;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Starts and stops the servers of releases. */
public interface Driver {

  /** Starts one server of {@code release} in {@code slot} on {@code port}; returns once spawned. */
  Instance start(Release release, int slot, int port) throws IOException;

  /** The stop signal, then KILL after the stop timeout; completes with the exit code. */
  CompletableFuture<Integer> stop(Instance instance);
}
