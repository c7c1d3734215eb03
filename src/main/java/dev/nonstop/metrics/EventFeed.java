package dev.nonstop.metrics;

import dev.nonstop.deploy.Deployment;
import dev.nonstop.deploy.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every event of every deployment, tagged with its deployment, for the dashboard's live timeline.
 * A new watcher first gets the events so far of the latest deployment, so a page opened in the
 * middle of a deploy shows it from its first step.
 *
 * <p>Thread-safe. Events arrive on the deploying thread; watchers must hand them over without
 * blocking (the admin server's event stream offers them to a bounded queue).
 */
public final class EventFeed {
  /** How much of the latest deployment a new watcher gets. */
  private static final int REPLAY = 500;

  /** One event with the deployment it belongs to, and the titles of its steps (so pending ones have names). */
  public record Tagged(int id, String kind, String strategy, String from, String to, int steps, Event event,
      List<String> titles) {}

  private final CopyOnWriteArrayList<Consumer<Object>> watchers = new CopyOnWriteArrayList<>();
  private final List<Tagged> latest = new ArrayList<>(); // guarded by this

  /** Publishes {@code d}'s events from now on (and those it already had). */
  public void follow(Deployment d) {
    int steps = d.plan().steps().size();
    String from = d.from() == null ? null : d.from().version();
    List<String> titles = d.plan().steps().stream().map(dev.nonstop.deploy.Step::title).toList();
    d.subscribe(e -> publish(new Tagged(d.id(), d.kind(), d.strategy().word(), from, d.to().version(), steps, e,
        titles)));
  }

  synchronized void publish(Tagged t) {
    if (!latest.isEmpty() && latest.get(0).id() != t.id()) {
      latest.clear();
    }
    if (latest.size() < REPLAY) {
      latest.add(t);
    }
    for (Consumer<Object> w : watchers) {
      w.accept(t);
    }
  }

  /** Replays the latest deployment's events, then delivers new ones until {@link #unwatch}. */
  public synchronized void watch(Consumer<Object> watcher) {
    latest.forEach(watcher);
    watchers.add(watcher);
  }

  public void unwatch(Consumer<Object> watcher) {
    watchers.remove(watcher);
  }
}
