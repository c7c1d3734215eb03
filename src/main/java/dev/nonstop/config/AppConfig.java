package dev.nonstop.config;

import dev.nonstop.health.HealthCheck;
import dev.nonstop.proxy.Limits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A validated {@code nonstop.yml}. Paths are absolute (relative ones in the file are taken from
 * the file's folder). {@code preview} is null when the file does not set it.
 *
 * @param run the command template; {@code {version}}, {@code {port}} and {@code {instance}} are
 *     replaced per server, and PORT is set in its environment too
 * @param healthDeadline how long a new server may take to become healthy before a deploy fails
 * @param drain the longest wait for in-flight requests of a detached server
 * @param stopSignal TERM, INT, HUP, QUIT or KILL; KILL follows after {@code stopTimeout}
 * @param balance round-robin or least-in-flight
 * @param tls TLS on the listener ({@code tls:}), or null: plain HTTP
 * @param h2c without TLS, the listener speaks HTTP/2 too, to clients that open with its preface
 * @param limits the proxy's limits ({@code limits:}); the live proxy and the preview one both use them
 * @param bake how long a deploy watches the new release after its last step before it is done
 * @param judge when the new release fails, during the deploy and its bake
 * @param canary the steps of {@code strategy: canary}
 * @param hooks commands run before, after and on the failure of a deploy
 * @param routing which requests the app answers ({@link Routing#ALL} without {@code apps:})
 */
public record AppConfig(
    Path file,
    String app,
    InetSocketAddress listen,
    InetSocketAddress admin,
    int instances,
    String run,
    Path workdir,
    Map<String, String> env,
    HealthCheck health,
    Duration healthDeadline,
    Duration drain,
    String stopSignal,
    Duration stopTimeout,
    Strategy strategy,
    Batch batch,
    int surge,
    Duration keepOld,
    InetSocketAddress preview,
    Path state,
    String balance,
    Limits limits,
    Streams streams,
    TlsConfig tls,
    boolean h2c,
    Duration bake,
    JudgeLimits judge,
    Canary canary,
    Hooks hooks,
    Routing routing) {
  /**
   * 30 s: a release that dies or fails shortly after it starts (a pool that cannot connect, the
   * first GC, a lazy init) mostly does so in its first half-minute at full traffic, and at one
   * request a second that is enough requests for the judge to decide.
   */
  public static final Duration DEFAULT_BAKE = Duration.ofSeconds(30);
}
