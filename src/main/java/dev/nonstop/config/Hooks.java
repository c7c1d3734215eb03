package dev.nonstop.config;

import java.time.Duration;

/**
 * Commands a deploy runs at fixed points ({@code hooks:} in the file), each in {@code sh -c} from
 * the workdir; null when not set.
 *
 * @param before before the first step (database migrations): if it fails, the deploy stops with
 *     nothing changed
 * @param after once the new release takes all the traffic (after the switch or the last batch),
 *     before the bake; if it fails, the deploy goes on with a warning
 * @param onFailure after a failed or aborted deploy was undone
 * @param timeout a hook still running after this is killed, and counts as failed
 */
public record Hooks(String before, String after, String onFailure, Duration timeout) {
  public static final Hooks NONE = new Hooks(null, null, null, Duration.ofMinutes(5));
}
