package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.config.Strategy;
import dev.nonstop.instance.Release;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a {@link Plan}: runs its steps in order on the calling thread, streams its
 * {@link Event}s to subscribers, runs the plan's undo when a step fails or the operator aborts,
 * and ends with a {@link Report}.
 *
 * <p>{@link #run()} is called once, by the deploying thread; subscribe, abort and the getters may be
 * called from any thread.
 */
public final class Deployment implements Progress {
  private static final Logger log = LoggerFactory.getLogger(Deployment.class);

  private final int id;
  private final String kind;
  private final Strategy strategy;
  private final Release from;
  private final Release to;
  private final Plan plan;
  private final Traffic traffic;
  private final List<Event> events = new ArrayList<>();
  private final CopyOnWriteArrayList<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Event> done = new CompletableFuture<>();
  private final CompletableFuture<Void> aborted = new CompletableFuture<>();
  /** The operator said the new release is good: the holds and the bake left end at once. */
  private final CompletableFuture<Verdict> promoted = new CompletableFuture<>();
  private final List<Report.StepTime> stepTimes = new ArrayList<>();
  private volatile int currentStep;
  /** Set while the undo runs: an abort no longer interrupts waits, putting things back must finish. */
  private volatile boolean undoing;
  private volatile Instant startedAt;
  private volatile Report report;
  private long longestDrainNanos;
  private final List<Report.Drain> drains = new ArrayList<>(); // deploying thread only
  private Double switchMicros;
  private String finalResult = "done";
  private volatile Consumer<Report> recorder = r -> { };
  /** Judges the new release through the steps and the bake; null for rollbacks and the first start. */
  private volatile Guard guard;
  private volatile Verdict verdict;
  private Long undoMs; // deploying thread only
  /** Why the deployment failed, once it did (for the on-failure hook). */
  private volatile String failure;

  public Deployment(int id, String kind, Strategy strategy, Release from, Release to, Plan plan, Traffic traffic) {
    this.id = id;
    this.kind = requireNonNull(kind, "kind");
    this.strategy = requireNonNull(strategy, "strategy");
    this.from = from;
    this.to = requireNonNull(to, "to");
    this.plan = requireNonNull(plan, "plan");
    this.traffic = requireNonNull(traffic, "traffic");
  }

  public int id() {
    return id;
  }

  public String kind() {
    return kind;
  }

  public Strategy strategy() {
    return strategy;
  }

  public Release from() {
    return from;
  }

  public Release to() {
    return to;
  }

  public Plan plan() {
    return plan;
  }

  public int currentStep() {
    return currentStep;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** The report, once the deployment has ended. */
  public Report report() {
    return report;
  }

  /** Has {@code g} judge the new release from the first step on; call before {@link #run()}. */
  public void guardedBy(Guard g) {
    guard = requireNonNull(g, "g");
  }

  /** The verdict so far: the failed one, the one at the end of the bake, or null. */
  public Verdict verdict() {
    return verdict;
  }

  /** Why the deployment failed (its first line), or null while it has not. */
  public String failure() {
    return failure;
  }

  /** Called with the report once the deployment ends, before its final event. */
  public void onReport(Consumer<Report> listener) {
    recorder = requireNonNull(listener, "listener");
  }

  /** Runs the plan to its end; returns the report. Never throws for a failed step. */
  public Report run() {
    startedAt = Instant.now();
    long t0 = System.nanoTime();
    Traffic.Snapshot before = traffic.snapshot();
    emit("info", 0, plan.summary() + " (" + plan.steps().size() + " steps)");
    String failure = null;
    if (guard != null) {
      guard.start(id);
    }
    try {
      runSteps();
    } catch (DeployException e) {
      failure = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    } catch (RuntimeException e) {
      log.error("deployment #{} failed unexpectedly", id, e);
      failure = "internal error: " + e;
    }
    if (guard != null) {
      guard.stop();
      Verdict last = guard.failed().getNow(verdict);
      verdict = last != null && last.outcome() != Verdict.Outcome.WATCHING ? last : verdict;
    }
    if (failure != null) {
      finalResult = aborted.isDone() ? "aborted" : "failed";
      this.failure = failure.lines().findFirst().orElse(failure);
      emit("warn", currentStep, this.failure);
      long u0 = System.nanoTime();
      undo();
      undoMs = (System.nanoTime() - u0) / 1_000_000;
    }
    Traffic.Delta t = traffic.snapshot().since(before);
    Instant end = Instant.now();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String message = failure == null ? summaryLine(t, ms) : failureLine(failure, t);
    Report r = new Report(id, kind, strategy.word(), from == null ? null : from.version(), to.version(),
        finalResult, startedAt.toString(), end.toString(), ms, List.copyOf(stepTimes), t.byRelease(),
        t.total(), t.failed(), t.appErrors(), t.proxyErrors(), t.p50Ms(), t.p99Ms(), t.maxMs(),
        switchMicros, longestDrainNanos / 1_000_000, message, List.copyOf(drains),
        new Report.Streams(t.streams().opened(), t.streams().byClient(), t.streams().byApp(), t.streams().byProxy(),
            t.streams().longestMs()), verdict, undoMs, null);
    report = r;
    try {
      recorder.accept(r);
    } catch (RuntimeException e) {
      log.error("could not record the report of deployment #{}", id, e);
    }
    Event last = emit(failure == null ? "done" : "failed", 0, message);
    done.complete(last);
    return r;
  }

  private void runSteps() throws DeployException, InterruptedException {
    List<Step> steps = plan.steps();
    for (int i = 0; i < steps.size(); i++) {
      checkAborted();
      Step step = steps.get(i);
      currentStep = i + 1;
      emit("step", currentStep, step.title());
      long s0 = System.nanoTime();
      try {
        step.action().run(this);
      } catch (DeployException | InterruptedException | RuntimeException e) {
        stepTimes.add(new Report.StepTime(currentStep, step.title(), (System.nanoTime() - s0) / 1_000_000, "failed"));
        throw e;
      }
      stepTimes.add(new Report.StepTime(currentStep, step.title(), (System.nanoTime() - s0) / 1_000_000, "done"));
    }
  }

  private void undo() {
    undoing = true;
    emit("info", 0, from == null ? "stopping the servers started so far" : "putting " + from.version() + " back");
    try {
      plan.undo().run(this);
      emit("info", 0, from == null ? "stopped them: nothing was live before, nothing is live now" : from.version() + " is live again");
    } catch (DeployException | RuntimeException e) {
      emit("warn", 0, "could not put everything back: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String summaryLine(Traffic.Delta t, long ms) {
    String what = kind.equals("deploy") ? to.version() + " is live" : kind + " done: " + to.version() + " is live";
    if (finalResult.equals("preview")) {
      what = to.version() + " waits on the preview address";
    }
    return what + " after " + ms + " ms; " + t.total() + " requests served during it, " + t.failed() + " failed";
  }

  private String failureLine(String failure, Traffic.Delta t) {
    return kind + " of " + to.version() + " " + finalResult + ": " + failure
        + (from == null ? "" : "\n" + from.version() + " is still live") + "; " + t.total()
        + " requests served during it, " + t.failed() + " failed";
  }

  // ---- for steps ----

  public void info(String message) {
    emit("info", currentStep, message);
  }

  public void warn(String message) {
    emit("warn", currentStep, message);
  }

  /** Records one server's drain time for the report. */
  void drained(Duration took) {
    longestDrainNanos = Math.max(longestDrainNanos, took.toNanos());
  }

  /** Records one server's drain for the report's list of drains. */
  void drained(Server server, Duration took, Integer cancelled) {
    drained(took);
    drains.add(new Report.Drain(currentStep, server.backend().name(), server.release().version(), took.toMillis(),
        cancelled == null ? 0 : cancelled));
  }

  /** Records the blue-green swap for the report. */
  void switched(long nanos) {
    switchMicros = nanos / 1000.0;
  }

  /** Marks how this deployment ends when no step fails ("preview" for a group awaiting promote). */
  void result(String result) {
    finalResult = result;
  }

  /**
   * The bake: watches the new release for the guard's bake time, with a line at each quarter of it,
   * and ends with the verdict that passed (a failed one throws). Without a guard, nothing to do.
   */
  void bake() throws DeployException, InterruptedException {
    Guard g = guard;
    if (g == null) {
      return;
    }
    g.startBake();
    long quarter = Math.max(Duration.ofSeconds(1).toNanos(), g.bake().toNanos() / 4);
    CompletableFuture<Verdict> end = g.baked().applyToEither(promoted, v -> v);
    while (true) {
      Verdict v = await(end, quarter);
      if (promoted.isDone() && !g.baked().isDone()) {
        Verdict so = g.latest();
        verdict = so == null ? null : new Verdict(Verdict.Outcome.PASSED, "promoted by the operator during the bake; "
            + so.reason(), so.newer(), so.older());
        if (verdict != null) {
          info(verdict.line());
        }
        return;
      }
      if (v != null) {
        verdict = v;
        info(v.line());
        return;
      }
      Verdict now = g.latest();
      if (now != null) {
        info("baking, " + Fleet.format(Duration.ofMillis(g.remaining().toMillis() / 100 * 100)) + " left: "
            + now.newer() + (now.older() == null ? "" : "; " + now.older()));
      }
    }
  }

  /**
   * Holds the current state for {@code length} (a canary's weight), watched by the guard: returns
   * at its end, or at once after {@link #promote()}; throws when a verdict fails or the operator
   * aborts.
   */
  void hold(Duration length) throws DeployException, InterruptedException {
    if (promoted.isDone()) {
      return;
    }
    await(promoted, length.toNanos());
  }

  /** The guard's verdict so far (null without a guard or before its first look). */
  Verdict verdictSoFar() {
    Guard g = guard;
    return g == null ? null : g.latest();
  }

  /**
   * The operator's word that the new release is good: what is left of a canary's steps and of the
   * bake is skipped (the judge's verdict so far stands). False when there is nothing to skip: no
   * guard, the deployment ended, or a promote came already.
   */
  public boolean promote() {
    if (guard == null || done.isDone() || promoted.isDone()) {
      return false;
    }
    Verdict so = verdictSoFar();
    promoted.complete(so);
    emit("info", currentStep, "promoted by the operator: the steps and bake left are skipped");
    return true;
  }

  /**
   * With a guard and a bake: watches the first new servers for a third of the bake time (10 s by
   * default) and until the judge has seen enough of their requests to judge their errors (at most
   * the bake time). An in-place deploy calls it after its first batch, so that a release that dies
   * or fails in its first seconds is caught while most servers still run the old one: without it,
   * a release that passed its checks and died a moment later took the next batch's old servers with
   * it, and no server was left to answer while the old release started again.
   */
  void watchFirst(String what) throws DeployException, InterruptedException {
    Guard g = guard;
    if (g == null || g.bake().isZero() || promoted.isDone()) {
      return;
    }
    Duration least = g.bake().dividedBy(3);
    info("watching " + what + " for " + Fleet.format(least) + " and until it answered " + g.minRequests()
        + " requests (judge: min-requests), at most " + Fleet.format(g.bake()) + ", before the next batch");
    long t0 = System.nanoTime();
    await(promoted, least.toNanos());
    if (!promoted.isDone() && !g.judgeable().isDone()) {
      await(g.judgeable().applyToEither(promoted, v -> v), g.bake().toNanos() - (System.nanoTime() - t0));
    }
    Verdict v = g.latest();
    if (v != null) {
      info((g.judgeable().isDone() ? "" : "too few requests to judge its errors yet, going on: ") + v.line());
    }
  }

  /**
   * Waits for {@code future} up to {@code timeoutNanos}; returns null at the timeout, throws when
   * the operator aborts, the guard's verdict fails, or the future fails.
   */
  public <T> T await(CompletableFuture<T> future, long timeoutNanos)
      throws DeployException, InterruptedException {
    Guard g = guard;
    CompletableFuture<?> either = undoing ? future
        : g == null ? CompletableFuture.anyOf(future, aborted) : CompletableFuture.anyOf(future, aborted, g.failed());
    try {
      if (timeoutNanos == Long.MAX_VALUE) {
        either.get();
      } else {
        either.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
      }
    } catch (TimeoutException e) {
      return null;
    } catch (ExecutionException e) {
      if (!future.isDone()) {
        throw new DeployException("aborted by the operator");
      }
    }
    checkAborted();
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw new DeployException(String.valueOf(e.getCause().getMessage()), e.getCause());
    }
  }

  private void checkAborted() throws DeployException {
    if (undoing) {
      return;
    }
    if (aborted.isDone()) {
      throw new DeployException("aborted by the operator");
    }
    Guard g = guard;
    if (g != null && g.failed().isDone()) {
      throw new DeployException(g.failed().join().line());
    }
  }

  /** Asks the running deployment to stop and put things back; false if it had already ended. */
  public boolean abort() {
    if (done.isDone()) {
      return false;
    }
    aborted.complete(null);
    return true;
  }

  // ---- events ----

  private Event emit(String type, int step, String message) {
    Event e = new Event(Instant.now(), type, step, message);
    if (type.equals("warn")) {
      log.warn("deploy #{} [{}/{}] {}", id, step, plan.steps().size(), message);
    } else {
      log.info("deploy #{} [{}/{}] {}", id, step, plan.steps().size(), message);
    }
    // Delivered under the lock so that a new subscriber sees each event once, in order;
    // subscribers hand events over without blocking.
    synchronized (events) {
      events.add(e);
      for (Consumer<Event> s : subscribers) {
        s.accept(e);
      }
    }
    return e;
  }

  @Override
  public void subscribe(Consumer<Event> listener) {
    List<Event> past;
    synchronized (events) {
      past = List.copyOf(events);
      subscribers.add(listener);
    }
    past.forEach(listener);
  }

  @Override
  public void unsubscribe(Consumer<Event> listener) {
    subscribers.remove(listener);
  }

  @Override
  public CompletableFuture<Event> done() {
    return done;
  }

  @Override
  public int steps() {
    return plan.steps().size();
  }
}
