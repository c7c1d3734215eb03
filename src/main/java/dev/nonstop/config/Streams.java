package dev.nonstop.config;

import java.time.Duration;

/**
 * What becomes of streams (WebSockets and other upgraded connections, event streams) when their
 * servers go: a drain never waits for them, the stop signal lets the app close them itself, and the
 * proxy closes what is left once the server has stopped.
 *
 * @param closeOnSwitch a blue-green switch (and a rollback's switch back) closes the streams of the
 *     group switched away from at once, so that their clients reconnect to the new release; by
 *     default they stay on the old group, which is kept warm, and move when it is retired (its
 *     servers get their stop signal and close them, as most frameworks do, with 1001 Going Away)
 * @param idleTimeout a tunnel without a byte either way for this long is closed
 */
public record Streams(boolean closeOnSwitch, Duration idleTimeout) {
  public static final Streams DEFAULT = new Streams(false, Duration.ofHours(1));
}
