package dev.nonstop.deploy;

import dev.nonstop.instance.Release;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * In-place: the live servers are replaced batch by batch. Without surge, each batch is drained,
 * stopped, started again with the new release and attached once healthy, so capacity drops by a
 * batch for a while. With surge, each round starts the new servers first and retires the old ones
 * only once the new ones are attached, so capacity never drops.
 *
 * <p>If a step fails, the undo puts the old release back on every slot already changed, starting
 * those servers before it retires the new ones.
 */
public final class InPlace {
  private InPlace() {}

  /**
   * As {@link #plan(Fleet, Release, int, int)}, also bringing the number of servers to
   * {@code instances}: new slots are started (and attached once healthy) before any server is
   * replaced, slots beyond it are drained and stopped at the end.
   */
  public static Plan plan(Fleet fleet, Release to, int batch, int surge, int instances) {
    List<Server> live = fleet.live();
    List<Server> beyond = live.stream().filter(s -> s.slot() > instances).toList();
    java.util.Set<Integer> filled = new java.util.HashSet<>();
    live.forEach(s -> filled.add(s.slot()));
    List<Integer> missing = new ArrayList<>();
    for (int slot = 1; slot <= instances; slot++) {
      if (!filled.contains(slot)) {
        missing.add(slot);
      }
    }
    Plan replace = plan(fleet, to, batch, surge, live.stream().filter(s -> s.slot() <= instances).toList());
    if (missing.isEmpty() && beyond.isEmpty()) {
      return replace;
    }
    List<Step> steps = new ArrayList<>();
    List<Server> grown = new ArrayList<>();
    if (!missing.isEmpty()) {
      String slots = missing.stream().map(String::valueOf).collect(Collectors.joining(", "));
      steps.add(new Step("start " + to + " in the new slots " + slots + " (instances: " + instances + ")", d -> {
        for (int slot : missing) {
          Server n = fleet.start(to, slot);
          synchronized (grown) {
            grown.add(n);
          }
          d.info("started " + to + " in slot " + slot + " on " + n.backend().name() + " (pid " + n.instance().pid() + ")");
        }
        List<Server> all;
        synchronized (grown) {
          all = List.copyOf(grown);
        }
        fleet.awaitHealthy(all, d);
        all.forEach(fleet::attach);
      }));
    }
    steps.addAll(replace.steps());
    if (!beyond.isEmpty()) {
      String slots = beyond.stream().map(s -> Integer.toString(s.slot())).collect(Collectors.joining(", "));
      steps.add(new Step("retire slots " + slots + " (instances: " + instances + ")", d -> {
        fleet.drain(beyond, d);
        fleet.stop(beyond, d);
      }));
    }
    return new Plan(replace.summary() + (missing.isEmpty() ? "" : ", " + missing.size() + " more")
        + (beyond.isEmpty() ? "" : ", " + beyond.size() + " fewer"), steps, d -> {
          replace.undo().run(d);
          List<Server> added;
          synchronized (grown) {
            added = List.copyOf(grown);
          }
          List<Server> attached = added.stream().filter(s -> fleet.live().contains(s)).toList();
          fleet.drain(attached, d);
          fleet.stop(added, d);
        });
  }

  public static Plan plan(Fleet fleet, Release to, int batch, int surge) {
    return plan(fleet, to, batch, surge, fleet.live());
  }

  private static Plan plan(Fleet fleet, Release to, int batch, int surge, List<Server> old) {
    Release from = old.isEmpty() ? null : old.get(0).release();
    List<Server> started = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    int size = surge > 0 ? surge : batch;
    List<List<Server>> rounds = partition(old, size);
    for (int k = 0; k < rounds.size(); k++) {
      List<Server> round = rounds.get(k);
      String label = (surge > 0 ? "round " : "batch ") + (k + 1) + "/" + rounds.size() + ": ";
      String slots = round.stream().map(s -> Integer.toString(s.slot())).collect(Collectors.joining(", "));
      List<Server> fresh = new ArrayList<>();
      Step.Action start = d -> {
        for (Server s : round) {
          Server n = fleet.start(to, s.slot());
          fresh.add(n);
          synchronized (started) {
            started.add(n);
          }
          d.info("started " + to + " in slot " + s.slot() + " on " + n.backend().name()
              + " (pid " + n.instance().pid() + ")");
        }
      };
      boolean firstOfSeveral = k == 0 && rounds.size() > 1;
      Step.Action awaitAndAttach = d -> {
        fleet.awaitHealthy(fresh, d);
        for (Server n : fresh) {
          fleet.attach(n);
          d.info("attached " + n.backend().name() + " (" + to + ", slot " + n.slot() + ")");
        }
        if (firstOfSeveral) {
          d.watchFirst("the first " + (surge > 0 ? "round" : "batch") + " of " + to);
        }
      };
      Step.Action drain = d -> fleet.drain(round, d);
      Step.Action stop = d -> fleet.stop(round, d);
      if (surge > 0) {
        steps.add(new Step(label + "start " + round.size() + " new server(s) of " + to + " for slots " + slots + " (surge)", start));
        steps.add(new Step(label + "wait until healthy, then attach", awaitAndAttach));
        steps.add(new Step(label + "drain the old servers of slots " + slots, drain));
        steps.add(new Step(label + "stop them", stop));
      } else {
        steps.add(new Step(label + "drain slots " + slots, drain));
        steps.add(new Step(label + "stop them", stop));
        steps.add(new Step(label + "start " + to + " in slots " + slots, start));
        steps.add(new Step(label + "wait until healthy, then attach", awaitAndAttach));
      }
    }
    String summary = "in-place " + (from == null ? "" : from + " -> ") + to + ", " + old.size()
        + " servers, " + (surge > 0 ? "surge " + surge : "batches of " + size);
    List<Integer> allSlots = old.stream().map(Server::slot).toList();
    return new Plan(summary, steps, d -> restore(fleet, from, to, allSlots, started, d));
  }

  /**
   * Puts {@code from} back on every slot that no longer runs it: starts those servers first, then
   * drains and stops the servers of {@code to} and any started server never attached.
   */
  static void restore(Fleet fleet, Release from, Release to, List<Integer> slots, List<Server> started,
      Deployment d) throws DeployException, InterruptedException {
    if (from == null) {
      return;
    }
    List<Server> live = fleet.live();
    List<Server> backFresh = new ArrayList<>();
    for (int slot : slots) {
      boolean hasOld = live.stream().anyMatch(s -> s.slot() == slot && s.release().equals(from));
      if (!hasOld) {
        Server n = fleet.startRestoring(from, slot);
        backFresh.add(n);
        d.info("started " + from + " in slot " + slot + " on " + n.backend().name());
      }
    }
    fleet.awaitHealthy(backFresh, d);
    for (Server n : backFresh) {
      fleet.attach(n);
    }
    List<Server> attachedNew = fleet.live().stream().filter(s -> s.release().equals(to) && !from.equals(to)).toList();
    List<Server> strays;
    synchronized (started) {
      strays = started.stream().filter(s -> !attachedNew.contains(s) && s.instance() != null).toList();
    }
    fleet.drain(attachedNew, d);
    List<Server> toStop = new ArrayList<>(attachedNew);
    toStop.addAll(strays);
    fleet.stop(toStop, d);
  }

  static <T> List<List<T>> partition(List<T> items, int size) {
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i += size) {
      out.add(List.copyOf(items.subList(i, Math.min(items.size(), i + size))));
    }
    return out;
  }
}
