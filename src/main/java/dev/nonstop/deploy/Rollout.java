package dev.nonstop.deploy;

import java.util.ArrayList;
import java.util.List;

/**
 * A deploy as it runs around its strategy's plan: the strategy's steps, then the bake, judged by
 * the deployment's {@link Guard} from the first step to the last.
 */
public final class Rollout {
  private Rollout() {}

  /** {@code plan} followed by the bake of {@code guard}'s release. */
  public static Plan baked(Plan plan, Guard guard) {
    List<Step> steps = new ArrayList<>(plan.steps());
    String release = guard.to().version();
    steps.add(new Step(guard.bake().isZero()
        ? "judge " + release + " once more (bake: 0s)"
        : "bake: watch " + release + " for " + Fleet.format(guard.bake()) + ", judged by the proxy's numbers",
        Deployment::bake));
    return new Plan(plan.summary() + ", then a bake of " + Fleet.format(guard.bake()), steps, plan.undo());
  }
}
