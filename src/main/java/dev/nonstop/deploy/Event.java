package dev.nonstop.deploy;

import java.time.Instant;

/**
 * One line of a deployment's progress, as streamed to the CLI and the dashboard.
 *
 * @param type {@code step} (a step starts), {@code info}, {@code warn}, {@code done} (the last
 *     event of a deployment that reached its goal) or {@code failed} (the last event of one that
 *     did not)
 * @param step the step's number (1-based) or 0 for events outside a step
 */
public record Event(Instant time, String type, int step, String message) {
  public boolean isFinal() {
    return type.equals("done") || type.equals("failed");
  }
}
