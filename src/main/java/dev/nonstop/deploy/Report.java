package dev.nonstop.deploy;

import java.util.List;
import java.util.Map;

/**
 * What one deployment (or rollback, promote, abort) did, with numbers from the proxy's own
 * counters. Written to the state file and printed at the end of {@code nonstop deploy}.
 *
 * @param kind deploy, rollback or promote
 * @param result done, failed or aborted ("preview" for a blue-green deploy waiting for promote)
 * @param requests requests answered during the deployment, by release
 * @param failed requests that failed: {@code appErrors} (5xx from the app) plus
 *     {@code proxyErrors} (502/503/504 of the proxy's own, or connections closed without an answer)
 * @param switchMicros the blue-green pool swap, in microseconds (null when there was none)
 * @param drains each server drained, with how long its in-flight requests took to finish
 * @param verdict the judge's last word on the new release: failed, or passed at the end of the
 *     bake; null when it was not judged (rollbacks, earlier versions)
 * @param undoMs how long putting the old release back took, for a deployment that failed; else null
 */
public record Report(
    int id,
    String kind,
    String strategy,
    String from,
    String to,
    String result,
    String startedAt,
    String endedAt,
    long durationMs,
    List<StepTime> steps,
    Map<String, Long> requests,
    long total,
    long failed,
    long appErrors,
    long proxyErrors,
    double p50Ms,
    double p99Ms,
    double maxMs,
    Double switchMicros,
    long longestDrainMs,
    String message,
    List<Drain> drains,
    Streams streams,
    Verdict verdict,
    Long undoMs,
    List<String> certificates) {

  /**
   * This report with {@code lines} as its TLS certificates (names, expiry) at the time it was
   * written, for the history: a deploy is when most people look.
   */
  public Report withCertificates(List<String> lines) {
    return new Report(id, kind, strategy, from, to, result, startedAt, endedAt, durationMs, steps,
        requests, total, failed, appErrors, proxyErrors, p50Ms, p99Ms, maxMs, switchMicros,
        longestDrainMs, message, drains, streams, verdict, undoMs, List.copyOf(lines));
  }

  /**
   * Streams (WebSockets, event streams) during the deployment, apart from requests: how many opened,
   * and how many ended, by the client, by the app (its server closed them, most often on its stop
   * signal) and by the proxy (still open when their server had stopped, or switched away from);
   * the longest one's life. Null in reports of earlier versions.
   */
  public record Streams(long opened, long closedByClient, long closedByApp, long closedByProxy, long longestMs) {}

  /** One step and how long it took. */
  public record StepTime(int step, String title, long ms, String result) {}

  /** One server drained during the step numbered {@code step}, and the requests cancelled at its deadline. */
  public record Drain(int step, String server, String release, long ms, int cancelled) {}
}
