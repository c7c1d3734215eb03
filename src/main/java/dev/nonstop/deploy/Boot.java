package dev.nonstop.deploy;

import dev.nonstop.instance.Release;
import java.util.ArrayList;
import java.util.List;

/** The first servers of a release when nothing runs yet: start them all, attach them once healthy. */
public final class Boot {
  private Boot() {}

  public static Plan plan(Fleet fleet, Release release, int instances) {
    List<Server> started = new ArrayList<>();
    List<Step> steps = List.of(
        new Step("start " + instances + " servers of " + release, d -> {
          for (int slot = 1; slot <= instances; slot++) {
            Server s = fleet.start(release, slot);
            synchronized (started) {
              started.add(s);
            }
            d.info("started " + release + " in slot " + slot + " on " + s.backend().name()
                + " (pid " + s.instance().pid() + ")");
          }
        }),
        new Step("wait until all " + instances + " are healthy, then attach", d -> {
          List<Server> all = snapshot(started);
          fleet.awaitHealthy(all, d);
          all.forEach(fleet::attach);
        }));
    return new Plan("start " + fleet.config().app() + " " + release, steps, d -> fleet.stop(snapshot(started), d));
  }

  /**
   * After a restart of Nonstop, with the live servers an earlier run left {@code adopted} (those a
   * probe found healthy already attached and serving): the others get the health deadline to pass
   * their checks, or are stopped; then every slot up to {@code instances} left without a server
   * gets a fresh one of {@code release}. A slot's adopted server stays whatever its release: an
   * interrupted deployment is finished by deploying again, not by a restart.
   */
  public static Plan resume(Fleet fleet, Release release, int instances, List<Server> adopted) {
    if (adopted.isEmpty()) {
      return plan(fleet, release, instances);
    }
    List<Server> kept = new ArrayList<>();
    List<Server> started = new ArrayList<>();
    List<Step> steps = List.of(
        new Step("check the " + adopted.size() + " running server(s) taken over", d -> {
          List<Server> healthy = fleet.keepHealthy(adopted, d);
          healthy.forEach(fleet::attach);
          synchronized (kept) {
            kept.addAll(healthy);
          }
        }),
        new Step("start servers of " + release + " in the slots left empty, attach them once healthy", d -> {
          java.util.Set<Integer> taken = new java.util.HashSet<>();
          snapshot(kept).forEach(s -> taken.add(s.slot()));
          for (int slot = 1; slot <= instances; slot++) {
            if (!taken.contains(slot)) {
              Server s = fleet.start(release, slot);
              synchronized (started) {
                started.add(s);
              }
              d.info("started " + release + " in slot " + slot + " on " + s.backend().name()
                  + " (pid " + s.instance().pid() + ")");
            }
          }
          List<Server> all = snapshot(started);
          fleet.awaitHealthy(all, d);
          all.forEach(fleet::attach);
        }));
    return new Plan("take over " + fleet.config().app() + " " + release, steps,
        d -> fleet.stop(snapshot(started), d));
  }

  private static List<Server> snapshot(List<Server> servers) {
    synchronized (servers) {
      return List.copyOf(servers);
    }
  }
}
