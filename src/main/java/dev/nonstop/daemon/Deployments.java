package dev.nonstop.daemon;

import static java.util.Objects.requireNonNull;

import dev.nonstop.admin.ControlException;
import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Batch;
import dev.nonstop.config.Durations;
import dev.nonstop.config.Strategy;
import dev.nonstop.deploy.BlueGreen;
import dev.nonstop.deploy.Canary;
import dev.nonstop.deploy.DeployRequest;
import dev.nonstop.deploy.Deployment;
import dev.nonstop.deploy.Fleet;
import dev.nonstop.deploy.Guard;
import dev.nonstop.deploy.InPlace;
import dev.nonstop.deploy.Judge;
import dev.nonstop.deploy.Plan;
import dev.nonstop.deploy.Progress;
import dev.nonstop.deploy.Report;
import dev.nonstop.deploy.Rollout;
import dev.nonstop.deploy.Server;
import dev.nonstop.instance.Release;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin API asks of one app: deploy, rollback, promote, abort, maintenance, and its views.
 * One deployment of the app at a time; a second is refused with the name of the one running.
 *
 * <p>Thread-safe: every method holds the app's lock ({@code synchronized (app)}), as does the end
 * of a deployment ({@link #finish}), which runs on the app's deployer thread.
 */
final class Deployments {
  private static final Logger log = LoggerFactory.getLogger(Deployments.class);
  static final String DEFAULT_MAINTENANCE = "We are making things better. Back in a moment.";

  private final App app;

  Deployments(App app) {
    this.app = app;
  }

  private AppConfig config() {
    return app.config;
  }

  Object status() {
    synchronized (app) {
      return StatusView.of(app.config, app.doc, app.fleet, app.current, app.host.listen(), app.doc.pending(app.config),
          app.metrics::rate, app.host.certificates());
    }
  }

  List<Report> history() {
    synchronized (app) {
      return app.doc.history();
    }
  }

  Progress deploy(DeployRequest request) {
    synchronized (app) {
      refuseWhileBusy();
      AppConfig config = config();
      Release to = parse(() -> new Release(requireNonNull(request.version(), "version")));
      Strategy strategy = request.strategy() == null ? config.strategy() : parse(() -> Strategy.parse(request.strategy()));
      Batch batch = request.batch() == null ? config.batch() : parse(() -> Batch.parse(request.batch()));
      int surge = request.surge() == null ? config.surge() : request.surge();
      if (surge < 0) {
        throw new ControlException(400, "surge: " + surge + " (expected: 0 or more)");
      }
      if (request.preview() && strategy != Strategy.BLUE_GREEN) {
        throw new ControlException(400, "--preview needs the blue-green strategy (expected: --strategy blue-green)");
      }
      Duration bake = request.bake() == null ? config.bake() : parse(() -> Durations.parse(request.bake()));
      Plan plan = plan(strategy, to, batch, surge, request.preview(), bake);
      Rollout rollout = new Rollout(config);
      if (request.preview()) {
        return launch("deploy", strategy, to, rollout.preview(plan), null); // judged and baked once promoted
      }
      Guard guard = guard(to, bake);
      return launch("deploy", strategy, to, rollout.deploy(plan, guard), guard);
    }
  }

  private Guard guard(Release to, Duration bake) {
    List<Server> live = app.fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    return new Guard(new Judge(config().judge()), app.fleet, app.traffic, from, to, bake);
  }

  private Plan plan(Strategy strategy, Release to, Batch batch, int surge, boolean preview, Duration bake) {
    AppConfig config = config();
    if (strategy == Strategy.CANARY) {
      return Canary.plan(app.fleet, to, config.instances(), config.canary(), bake);
    }
    if (strategy == Strategy.BLUE_GREEN) {
      InetSocketAddress at = preview
          ? (config.preview() != null ? config.preview() : new InetSocketAddress("127.0.0.1", 0))
          : null;
      return BlueGreen.plan(app.fleet, to, config.instances(), at, bake);
    }
    return InPlace.plan(app.fleet, to, batch.size(config.instances()), surge, config.instances());
  }

  Progress rollback() {
    synchronized (app) {
      refuseWhileBusy();
      Fleet.Group warm = app.fleet.takeWarm();
      if (warm != null) {
        return launch("rollback", Strategy.BLUE_GREEN, warm.release(), BlueGreen.switchBack(app.fleet, warm), null);
      }
      if (app.doc.previous() == null) {
        throw new ControlException(409, "nothing to roll back to: " + app.doc.live()
            + " is the only release deployed so far");
      }
      Release to = new Release(app.doc.previous());
      // a rollback is not judged, and a canary's slow steps are no way back: a full group, then the switch
      Strategy strategy = config().strategy() == Strategy.CANARY ? Strategy.BLUE_GREEN : config().strategy();
      return launch("rollback", strategy, to,
          plan(strategy, to, config().batch(), config().surge(), false, Duration.ZERO), null);
    }
  }

  Progress promote() {
    synchronized (app) {
      Deployment current = app.current;
      if (current != null && !current.done().isDone()) {
        if (current.promote()) {
          return current; // a canary's steps or a bake: skipped, followed to their end
        }
        refuseWhileBusy();
      }
      Fleet.Group preview = app.fleet.preview();
      if (preview == null) {
        throw new ControlException(409, "nothing to promote: no preview group waits (deploy with --strategy "
            + "blue-green --preview first) and no canary or bake runs");
      }
      Guard guard = guard(preview.release(), config().bake());
      return launch("promote", Strategy.BLUE_GREEN, preview.release(),
          new Rollout(config()).promote(BlueGreen.promote(app.fleet, preview, config().bake()), guard), guard);
    }
  }

  String abort() {
    synchronized (app) {
      Deployment current = app.current;
      if (current != null && current.abort()) {
        return "aborting " + current.kind() + " #" + current.id() + " of " + current.to()
            + ": " + app.doc.live() + " stays live (follow it with 'nonstop status')";
      }
      Fleet.Group preview = app.fleet.endPreview();
      if (preview != null) {
        app.fleet.retireInBackground(preview.servers());
        return "dropped the " + preview.release() + " preview group; " + app.doc.live() + " stays live";
      }
      throw new ControlException(409, "nothing to abort: no deployment is running and no preview waits");
    }
  }

  void maintenance(boolean on, String message) {
    synchronized (app) {
      app.host.refuseWhileHandingOver();
      String text = on ? (message == null || message.isBlank() ? DEFAULT_MAINTENANCE : message) : null;
      app.site.maintenance(text);
      app.update(app.doc.withMaintenance(text));
      log.info("{}maintenance page {}", prefix(), on ? "on: " + text : "off");
    }
  }

  private String prefix() {
    return config().routing().equals(dev.nonstop.config.Routing.ALL) ? "" : app.name() + ": ";
  }

  private void refuseWhileBusy() {
    app.host.refuseWhileHandingOver();
    Deployment current = app.current;
    if (current != null && !current.done().isDone()) {
      throw new ControlException(409, current.kind() + " #" + current.id() + " ("
          + (current.from() == null ? "" : current.from() + " -> ") + current.to() + ", " + current.strategy()
          + ") is running since " + current.startedAt() + ", at step " + current.currentStep() + "/"
          + current.plan().steps().size() + "; wait for it, or stop it with 'nonstop abort'");
    }
    if (app.fleet.preview() != null) {
      throw new ControlException(409, "a preview of " + app.fleet.preview().release()
          + " waits: make it live with 'nonstop promote' or drop it with 'nonstop abort' first");
    }
  }

  /** @param guard judges the new release through the plan, or null for a plan not judged */
  private Progress launch(String kind, Strategy strategy, Release to, Plan plan, Guard guard) {
    try {
      app.save(app.doc); // a deployment records every server it starts: check before the first step
    } catch (java.io.UncheckedIOException e) {
      throw new ControlException(507, "no " + kind + ": the state cannot be saved (" + e.getMessage()
          + "); nothing was changed: make " + app.store.file().getParent()
          + " writable or free space in it, then try again");
    }
    List<Server> live = app.fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    Deployment d = new Deployment(app.doc.nextId(), kind, strategy, from, to, plan, app.traffic);
    if (guard != null) {
      d.guardedBy(guard);
    }
    app.current = d;
    d.onReport(r -> finish(d, r));
    app.feed.follow(d);
    app.deployer.execute(d::run);
    return d;
  }

  private void finish(Deployment d, Report r) {
    synchronized (app) {
      StateDoc next = app.doc;
      if (r.result().equals("done")) {
        String prev = d.from() == null ? next.previous() : d.from().version();
        if (d.from() != null && d.from().equals(d.to())) {
          prev = next.previous();
        }
        next = next.withLive(d.to().version(), prev).withApplied(StateDoc.serverSettings(config()));
      }
      List<TlsSetup.Cert> certs = app.host.certificates();
      app.metrics.deployEnded(r);
      app.update(next.withReport(certs.isEmpty() ? r : r.withCertificates(certs.stream().map(TlsSetup.Cert::line).toList())));
    }
  }

  private static <T> T parse(java.util.function.Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ControlException(400, e.getMessage());
    }
  }
}
