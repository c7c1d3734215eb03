package dev.nonstop.deploy;

import dev.nonstop.instance.Release;
import dev.nonstop.pool.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Canary: a full group of the new release starts beside the live one, as for blue-green; then the
 * pool is split and the new group takes a growing share of the clients, step by step (5%, 25%,
 * 50%...), each held for its time while the judge compares both releases over the same window. At
 * the first bad verdict every client goes back to the old group in one atomic swap; after the last
 * step the new group takes all the traffic, and the old one stays warm for a rollback.
 *
 * <p>A client stays on one side while a weight holds, and on the new one as the weight grows (see
 * {@link dev.nonstop.pool.Pool}). {@code nonstop promote} skips the steps left.
 */
public final class Canary {
  private Canary() {}

  /**
   * @param steps the weights and how long each is held
   * @param bake the old group stays warm at least this long after the last step
   */
  public static Plan plan(Fleet fleet, Release to, int instances, dev.nonstop.config.Canary steps, Duration bake) {
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    String listen = Backend.text(fleet.site().proxy().address());
    List<Server> group = new ArrayList<>();
    List<Step> plan = BlueGreen.startGroup(fleet, to, instances, group);
    for (dev.nonstop.config.Canary.Step step : steps.steps()) {
      plan.add(new Step("weight " + step.percent() + "%: " + to + " takes " + step.percent() + "% of the clients for "
          + Fleet.format(step.hold()) + ", then the verdict", d -> weigh(fleet, BlueGreen.snapshot(group), step, d)));
    }
    plan.add(new Step("switch " + listen + " to " + to + " for every client", d -> {
      List<Server> old = fleet.switchTo(BlueGreen.snapshot(group), d);
      BlueGreen.keepWarm(fleet, old, bake);
      d.info("switched: " + to + " takes all the traffic; " + (from == null ? "" : "the " + from
          + " group is kept warm for " + Fleet.format(BlueGreen.warmFor(fleet, bake))));
      BlueGreen.closeStreamsOnSwitch(fleet, old, d);
    }));
    String summary = "canary " + (from == null ? "" : from + " -> ") + to + ", " + instances + " servers, weights "
        + String.join(", ", steps.steps().stream().map(s -> s.percent() + "%").toList());
    return new Plan(summary, plan, d -> {
      List<Server> split = fleet.endSplit();
      if (!split.isEmpty()) {
        d.info("every client back on " + from + " in one step: " + to + " takes no more requests");
        fleet.drain(split, d);
      }
      BlueGreen.undo(fleet, from, to, BlueGreen.snapshot(group), d);
    });
  }

  private static void weigh(Fleet fleet, List<Server> group, dev.nonstop.config.Canary.Step step, Deployment d)
      throws DeployException, InterruptedException {
    fleet.split(group, step.percent());
    d.info(group.get(0).release() + " takes " + step.percent() + "% of the clients now");
    d.hold(step.hold());
    Verdict v = d.verdictSoFar();
    if (v != null) {
      d.info("after " + step.percent() + "%: " + v.line());
    }
  }
}
