package dev.nonstop.config;

import java.time.Duration;

/**
 * When the judge fails a new release ({@code judge:} in the file). The new release is compared
 * with the old one over the same window; see {@code dev.nonstop.deploy.Judge} for the rules.
 *
 * @param minRequests requests the new release must have answered before its error share is judged
 * @param maxErrors the error share (5xx and proxy errors, 0 to 1) the new release may always have
 * @param errorRatio above {@code maxErrors}, the new release fails only when its share is also
 *     this many times the old release's
 * @param p99Ratio the new release fails when its p99 latency is this many times the old one's...
 * @param p99Margin ...and at least this much slower, so that 1 ms against 3 ms fails nothing
 */
public record JudgeLimits(int minRequests, double maxErrors, double errorRatio, double p99Ratio, Duration p99Margin) {
  public static final JudgeLimits DEFAULT = new JudgeLimits(20, 0.01, 2, 2, Duration.ofMillis(100));
}
