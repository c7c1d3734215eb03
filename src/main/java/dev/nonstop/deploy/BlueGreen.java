package dev.nonstop.deploy;

import dev.nonstop.instance.Release;
import dev.nonstop.pool.Backend;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Blue-green: a full group of the new release starts beside the live one; once every server in it
 * is healthy, the load balancer switches to it in one atomic pool swap, and the old group stays
 * warm for the keep-old time so that a rollback is a switch back. With a preview address, the new
 * group first answers there until it is promoted or aborted.
 *
 * <p>Nothing is switched until the new group is healthy. Before the switch, the undo only stops the
 * new group; after it (a verdict failed during the bake), it switches back to the group kept warm in
 * one atomic step, then drains and stops the new one.
 */
public final class BlueGreen {
  private BlueGreen() {}

  /**
   * @param preview where the new group answers before promote, or null to switch at once
   * @param bake the old group stays warm at least this long after the switch, so that a verdict
   *     failing during the bake finds it to switch back to
   */
  public static Plan plan(Fleet fleet, Release to, int instances, InetSocketAddress preview, Duration bake) {
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    String listen = Backend.text(fleet.site().proxy().address());
    List<Server> group = new ArrayList<>();
    List<Step> steps = startGroup(fleet, to, instances, group);
    if (preview != null) {
      steps.add(new Step("serve " + to + " on the preview address", d -> {
        InetSocketAddress at = fleet.startPreview(new Fleet.Group(to, snapshot(group), null), preview);
        d.info(to + " answers on http://" + at.getHostString() + ":" + at.getPort()
            + "/ ; make it live with 'nonstop promote', drop it with 'nonstop abort'");
        d.result("preview");
      }));
    } else {
      steps.add(new Step("switch " + listen + " from " + (from == null ? "nothing" : from) + " to " + to, d -> {
        List<Server> old = fleet.switchTo(snapshot(group), d);
        keepWarm(fleet, old, bake);
        d.info("switched: the old group is kept warm for " + Fleet.format(warmFor(fleet, bake))
            + " so that 'nonstop rollback' is a switch back");
        closeStreamsOnSwitch(fleet, old, d);
      }));
    }
    String summary = "blue-green " + (from == null ? "" : from + " -> ") + to + ", " + instances + " servers"
        + (preview != null ? ", preview first" : "");
    return new Plan(summary, steps, d -> {
      if (fleet.preview() != null && fleet.preview().release().equals(to)) {
        fleet.endPreview();
      }
      undo(fleet, from, to, snapshot(group), d);
    });
  }

  /**
   * The steps that bring a full group of {@code to} up beside the live one: retire the group kept
   * warm from before if there is one, start {@code instances} servers (each added to {@code group}
   * as it starts, for the undo), wait until all are healthy. Blue-green's and the canary's start.
   */
  static List<Step> startGroup(Fleet fleet, Release to, int instances, List<Server> group) {
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    List<Step> steps = new ArrayList<>();
    Fleet.Group warm = fleet.warm();
    if (warm != null) {
      steps.add(new Step("retire the " + warm.release() + " group kept warm from before", d -> {
        Fleet.Group g = fleet.takeWarm();
        if (g != null) {
          fleet.drain(g.servers(), d);
          fleet.stop(g.servers(), d);
        }
      }));
    }
    steps.add(new Step("start " + instances + " servers of " + to + " beside " + (from == null ? "nothing" : from), d -> {
      for (int slot = 1; slot <= instances; slot++) {
        Server n = fleet.start(to, slot);
        synchronized (group) {
          group.add(n);
        }
        d.info("started " + to + " in slot " + slot + " on " + n.backend().name() + " (pid " + n.instance().pid() + ")");
      }
    }));
    steps.add(new Step("wait until all " + instances + " are healthy", d -> fleet.awaitHealthy(snapshot(group), d)));
    return steps;
  }

  /**
   * Stops the new group; if it was switched to, switches back first: to the group kept warm, in one
   * step, or if that is gone (keep-old over, its servers dead), by starting {@code from} again.
   */
  static void undo(Fleet fleet, Release from, Release to, List<Server> started, Deployment d)
      throws DeployException, InterruptedException {
    List<Server> wasLive = fleet.live().stream().filter(started::contains).toList();
    if (!wasLive.isEmpty() && from != null) {
      Fleet.Group warm = fleet.takeWarm();
      if (warm != null && warm.release().equals(from) && warm.servers().stream().allMatch(s -> s.backend().isUsable())) {
        List<Server> left = fleet.switchTo(warm.servers(), d);
        d.info("switched back to " + from + " (kept warm): " + left.size() + " server(s) of " + to + " out of the pool");
      } else {
        if (warm != null) {
          fleet.keepWarm(warm.servers(), java.time.Instant.now()); // retired at once
        }
        d.info("no healthy " + from + " group kept warm: starting " + from + " again");
        List<Integer> slots = started.stream().map(Server::slot).toList();
        InPlace.restore(fleet, from, to, slots, new ArrayList<>(started), d);
      }
    }
    fleet.drain(wasLive.stream().filter(s -> !s.stopping()).toList(), d);
    fleet.stop(started.stream().filter(s -> !s.stopping()).toList(), d);
  }

  static Duration warmFor(Fleet fleet, Duration bake) {
    Duration keepOld = fleet.config().keepOld();
    return keepOld.compareTo(bake) >= 0 ? keepOld : bake.plus(Duration.ofMinutes(1));
  }

  static void keepWarm(Fleet fleet, List<Server> old, Duration bake) {
    fleet.keepWarm(old, java.time.Instant.now().plus(warmFor(fleet, bake)));
  }

  /** Switches the previewed group live; the group that was live stays warm (at least {@code bake}). */
  public static Plan promote(Fleet fleet, Fleet.Group preview, Duration bake) {
    String listen = Backend.text(fleet.site().proxy().address());
    List<Step> steps = List.of(new Step("switch " + listen + " to the previewed " + preview.release() + " group", d -> {
      List<Server> old = fleet.switchTo(preview.servers(), d);
      fleet.endPreview();
      keepWarm(fleet, old, bake);
      d.info("switched: the old group is kept warm for " + Fleet.format(warmFor(fleet, bake)));
      closeStreamsOnSwitch(fleet, old, d);
    }));
    List<Server> live = fleet.live();
    Release from = live.isEmpty() ? null : live.get(0).release();
    return new Plan("promote " + preview.release(), steps, d -> undo(fleet, from, preview.release(), preview.servers(), d));
  }

  /**
   * Rollback inside the keep-old time: switches back to the warm group at once, then drains and
   * stops the group that was live.
   */
  public static Plan switchBack(Fleet fleet, Fleet.Group warm) {
    List<Server> abandoned = new ArrayList<>();
    List<Step> steps = List.of(
        new Step("switch back to " + warm.release() + " (kept warm)", d -> {
          fleet.awaitHealthy(warm.servers(), d);
          List<Server> old = fleet.switchTo(warm.servers(), d);
          synchronized (abandoned) {
            abandoned.addAll(old);
          }
          closeStreamsOnSwitch(fleet, old, d);
        }),
        new Step("drain and stop the group that was live", d -> {
          List<Server> old = snapshot(abandoned);
          fleet.drain(old, d);
          fleet.stop(old, d);
        }));
    return new Plan("rollback to " + warm.release() + " by switching back", steps, d -> {
      // The switch back did not happen: the warm group is of no use any more.
      List<Server> idle = warm.servers().stream().filter(s -> !fleet.live().contains(s)).toList();
      fleet.stop(idle, d);
    });
  }

  /**
   * With {@code streams: {on-switch: close}}, the streams of the group switched away from close at
   * once, and their clients reconnect to the live group. By default they stay: the old group is kept
   * warm, and its servers close them when they are stopped.
   */
  static void closeStreamsOnSwitch(Fleet fleet, List<Server> old, Deployment d) {
    if (!fleet.config().streams().closeOnSwitch()) {
      return;
    }
    int cut = 0;
    for (Server s : old) {
      cut += fleet.cutStreams(s);
    }
    if (cut > 0) {
      d.info("closed " + cut + " stream(s) of the group switched away from (streams: on-switch: close)");
    }
  }

  static List<Server> snapshot(List<Server> servers) {
    synchronized (servers) {
      return List.copyOf(servers);
    }
  }
}
