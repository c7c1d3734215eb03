package dev.nonstop.deploy;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A deployment (or rollback, promote) under way, as its watchers see it: events and an end. */
public interface Progress {
  /** Replays the events so far, then delivers new ones on the deploying thread; never block in it. */
  void subscribe(Consumer<Event> listener);

  void unsubscribe(Consumer<Event> listener);

  /** Completes with the final event. */
  CompletableFuture<Event> done();

  /** How many steps the plan has, so clients can show {@code [3/8]}; 0 when unknown. */
  default int steps() {
    return 0;
  }
}
