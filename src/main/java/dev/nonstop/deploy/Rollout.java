package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.config.AppConfig;
import dev.nonstop.config.Hooks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A deploy as it runs around its strategy's plan: the {@code before} hook, the strategy's steps,
 * the {@code after} hook, then the bake, judged by the deployment's {@link Guard} from the first
 * step to the last; after a failure, the strategy's undo and then the {@code on-failure} hook.
 *
 * <p>Immutable.
 */
public final class Rollout {
  private final Hook before;
  private final Hook after;
  private final Hook onFailure;

  public Rollout(AppConfig config) {
    Hooks h = config.hooks();
    before = hook("before", h.before(), config);
    after = hook("after", h.after(), config);
    onFailure = hook("on-failure", h.onFailure(), config);
  }

  private static Hook hook(String point, String command, AppConfig config) {
    return command == null ? null : new Hook(point, command, config.hooks().timeout(), config.workdir(), config.env());
  }

  /** A deploy: before hook, the steps, after hook, bake. */
  public Plan deploy(Plan plan, Guard guard) {
    return wrap(plan, before, after, requireNonNull(guard, "guard"));
  }

  /** A blue-green deploy that stops at its preview: the before hook, the steps; the rest comes with promote. */
  public Plan preview(Plan plan) {
    return wrap(plan, before, null, null);
  }

  /** The promote of a preview: the switch, the after hook, the bake. */
  public Plan promote(Plan plan, Guard guard) {
    return wrap(plan, null, after, requireNonNull(guard, "guard"));
  }

  private Plan wrap(Plan plan, Hook first, Hook last, Guard guard) {
    List<Step> steps = new ArrayList<>();
    if (first != null) {
      steps.add(new Step("hook before: run it; if it fails, the deploy stops with nothing changed",
          d -> first.run(d, Map.of())));
    }
    steps.addAll(plan.steps());
    if (last != null) {
      steps.add(new Step("hook after: run it now that " + "the new release takes all the traffic", d -> {
        try {
          last.run(d, Map.of());
        } catch (DeployException e) {
          d.warn(e.getMessage() + "; the deploy goes on (only a failing before hook stops it)");
        }
      }));
    }
    String summary = plan.summary();
    if (guard != null) {
      String release = guard.to().version();
      steps.add(new Step(guard.bake().isZero()
          ? "judge " + release + " once more (bake: 0s)"
          : "bake: watch " + release + " for " + Fleet.format(guard.bake()) + ", judged by the proxy's numbers",
          Deployment::bake));
      summary += ", then a bake of " + Fleet.format(guard.bake());
    }
    Step.Action undo = onFailure == null ? plan.undo() : d -> {
      try {
        plan.undo().run(d);
      } finally {
        runOnFailure(d);
      }
    };
    return new Plan(summary, steps, undo);
  }

  private void runOnFailure(Deployment d) throws InterruptedException {
    try {
      onFailure.run(d, Map.of("NONSTOP_REASON", d.failure() == null ? "" : d.failure()));
    } catch (DeployException e) {
      d.warn(e.getMessage());
    }
  }
}
