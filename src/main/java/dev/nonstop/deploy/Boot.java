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

  private static List<Server> snapshot(List<Server> servers) {
    synchronized (servers) {
      return List.copyOf(servers);
    }
  }
}
