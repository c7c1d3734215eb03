package dev.nonstop.admin;

import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import dev.nonstop.deploy.Progress;
import java.util.function.Consumer;

/**
 * What the admin API can ask of a running Nonstop. The admin server only parses, calls one method
 * and renders the answer as JSON; views are records Jackson can write.
 *
 * <p>Each call names its app ({@code ?app=NAME}), or null: then the only one. A Nonstop of several
 * apps refuses a change that names none with a 400 listing them, and answers {@link #status}
 * with every app's.
 *
 * <p>Methods fail with {@link ControlException}, whose status and message go to the client as is.
 */
public interface Control {

  /** The live release, the groups and their servers, the deployment under way. */
  Object status(String app);

  /** Every deployment so far with its report, newest last. */
  Object history(String app);

  Progress deploy(String app, DeployRequest request);

  Progress rollback(String app);

  Progress promote(String app);

  /** Stops the deployment under way and puts the previous state back; returns what it did. */
  String abort(String app);

  /** Turns the maintenance page on (with {@code message}, or a default when null) or off. */
  void maintenance(String app, boolean on, String message);

  // ---- what the dashboard and scrapers read (a Control without them answers 404) ----

  /** The metrics in the Prometheus text format. */
  default String metrics() {
    throw new ControlException(404, "no metrics here");
  }

  /** Traffic by release, one sample a second, for the last minutes. */
  default Object series(String app) {
    throw new ControlException(404, "no traffic series here");
  }

  /**
   * Tells {@code watcher} of every deployment event from now on (after the latest deployment's
   * events so far), on the deploying thread: it must not block.
   */
  default void watch(String app, Consumer<Object> watcher) {
    throw new ControlException(404, "no event feed here");
  }

  default void unwatch(Consumer<Object> watcher) {}
}
