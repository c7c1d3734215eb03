package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The ordered steps that take the fleet from its release to the target, and what puts things
 * back if one of them fails or the deployment is aborted.
 *
 * @param undo run after a failure or abort, before the deployment ends; may be a no-op
 */
public record Plan(String summary, List<Step> steps, Step.Action undo) {
  public Plan {
    requireNonNull(summary, "summary");
    steps = List.copyOf(steps);
    requireNonNull(undo, "undo");
  }
}
