package dev.nonstop.admin;

import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The daemon's side of {@link Control} for tests: records every call, and plays a scripted list of
 * events on its own thread once the first client subscribes (with an empty script the test
 * {@link FakeProgress#emit emits} them itself). {@link #refusal} makes calls fail.
 */
public final class FakeControl implements Control {
  public final List<String> calls = new CopyOnWriteArrayList<>();
  public volatile ControlException refusal;
  public volatile List<Event> script = List.of(event("step", 1, "start"), event("done", 0, "done"));
  public volatile Object status = Map.of("app", "hello", "live", "1.0.2");
  public volatile Object history = List.of();
  public volatile FakeProgress last;

  /** {@link #status} as a tree, for renderers tested without a server. */
  public com.fasterxml.jackson.databind.JsonNode statusTree() {
    return Json.mapper().valueToTree(status);
  }

  public static Event event(String type, int step, String message) {
    return new Event(Instant.parse("2026-01-01T12:01:02.345Z"), type, step, message);
  }

  @Override
  public Object status(String app) {
    return call("status" + named(app), status);
  }

  @Override
  public Object history(String app) {
    return call("history" + named(app), history);
  }

  @Override
  public Progress deploy(String app, DeployRequest request) {
    return call("deploy " + request + named(app), play());
  }

  @Override
  public Progress rollback(String app) {
    return call("rollback" + named(app), play());
  }

  @Override
  public Progress promote(String app) {
    return call("promote" + named(app), play());
  }

  @Override
  public String abort(String app) {
    return call("abort" + named(app), "aborted deployment 3; 1.0.2 stays live");
  }

  @Override
  public void maintenance(String app, boolean on, String message) {
    call("maintenance " + on + " " + message + named(app), null);
  }

  /** A call names its app, if it named one, after its other arguments: {@code rollback app=web}. */
  private static String named(String app) {
    return app == null ? "" : " app=" + app;
  }

  private <T> T call(String call, T answer) {
    calls.add(call);
    if (refusal != null) {
      throw refusal;
    }
    return answer;
  }

  private FakeProgress play() {
    last = new FakeProgress(script);
    return last;
  }

  /** Replays under the same lock as delivery, so a subscriber sees every event once, in order. */
  public static final class FakeProgress implements Progress {
    private final List<Event> script;
    private final List<Event> sent = new ArrayList<>();
    public final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Event> done = new CompletableFuture<>();
    private Thread player;

    FakeProgress(List<Event> script) {
      this.script = script;
    }

    @Override
    public synchronized void subscribe(Consumer<Event> listener) {
      sent.forEach(listener);
      listeners.add(listener);
      if (player == null && !script.isEmpty()) {
        player = new Thread(this::playAll, "fake-deploy");
        player.start();
      }
    }

    @Override
    public void unsubscribe(Consumer<Event> listener) {
      listeners.remove(listener);
    }

    @Override
    public CompletableFuture<Event> done() {
      return done;
    }

    @Override
    public int steps() {
      return (int) script.stream().filter(e -> e.type().equals("step")).count();
    }

    /** Delivers one event on the calling thread, as the deploying thread would. */
    public void emit(Event e) {
      synchronized (this) {
        sent.add(e);
        listeners.forEach(l -> l.accept(e));
      }
      if (e.isFinal()) {
        done.complete(e);
      }
    }

    private void playAll() {
      script.forEach(this::emit);
    }
  }
}
