package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

import dev.nonstop.config.JudgeLimits;
import dev.nonstop.deploy.Verdict.Numbers;
import dev.nonstop.deploy.Verdict.Outcome;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a new release is clearly worse than the old one, from the proxy's own counts of
 * both over the same window. It fails the new release when:
 *
 * <ul>
 *   <li>one of its servers exited (a crash, or a crash loop the supervisor keeps restarting);
 *   <li>its share of 5xx answers and proxy errors is above {@code max(max-errors, error-ratio x the
 *       old share)}, once it answered {@code min-requests}. Early counts are small, so the share
 *       taken is the low end of its 95% confidence interval (Wilson's): 1 error in the first 20
 *       requests fails nothing, 20 in 20 fail at once;
 *   <li>its p99 latency is above {@code p99-ratio x} the old one's and {@code p99-margin} slower,
 *       once both served {@link #P99_MIN_REQUESTS} (the p99 of fewer is their maximum).
 * </ul>
 *
 * <p>Pure and immutable: the numbers come in, a verdict goes out.
 */
public final class Judge {
  /** The p99 of fewer requests is about their slowest one: not a percentile worth judging. */
  static final int P99_MIN_REQUESTS = 100;
  /** 95% two-sided. */
  private static final double Z = 1.96;

  private final JudgeLimits limits;

  public Judge(JudgeLimits limits) {
    this.limits = requireNonNull(limits, "limits");
  }

  public JudgeLimits limits() {
    return limits;
  }

  /**
   * @param newer the new release's numbers over the window
   * @param older the old release's over the same window, or null when there is none to compare
   * @param exits one line for each time a server of the new release exited in the window
   * @return FAILED with the first reason found, else WATCHING
   */
  public Verdict judge(Numbers newer, Numbers older, List<String> exits) {
    requireNonNull(newer, "newer");
    if (!exits.isEmpty()) {
      return new Verdict(Outcome.FAILED, (exits.size() == 1 ? "a server exited: " : exits.size()
          + " exits of its servers, the first: ") + exits.get(0), newer, older);
    }
    String errors = errors(newer, older);
    if (errors != null) {
      return new Verdict(Outcome.FAILED, errors, newer, older);
    }
    String latency = latency(newer, older);
    if (latency != null) {
      return new Verdict(Outcome.FAILED, latency, newer, older);
    }
    return new Verdict(Outcome.WATCHING, watching(newer), newer, older);
  }

  /** The verdict at the end of the bake: FAILED as {@link #judge} finds, else PASSED. */
  public Verdict last(Numbers newer, Numbers older, List<String> exits) {
    Verdict v = judge(newer, older, exits);
    return v.failed() ? v : new Verdict(Outcome.PASSED, watching(newer), newer, older);
  }

  private String errors(Numbers newer, Numbers older) {
    if (newer.requests() < limits.minRequests()) {
      return null;
    }
    double limit = limit(older);
    double low = wilsonLow(newer.errors(), newer.requests());
    if (low <= limit) {
      return null;
    }
    return "5xx and proxy errors on " + Verdict.percent(newer.errorShare()) + " of its requests, above the limit of "
        + Verdict.percent(limit) + (limit > limits.maxErrors() ? " (" + ratio(limits.errorRatio()) + " x "
        + older.release() + "'s " + Verdict.percent(older.errorShare()) + ")" : "");
  }

  /** The share of errors allowed: the absolute limit, or a multiple of the old share if higher. */
  private double limit(Numbers older) {
    double oldShare = older == null || older.requests() < limits.minRequests() ? 0 : older.errorShare();
    return Math.max(limits.maxErrors(), limits.errorRatio() * oldShare);
  }

  private String latency(Numbers newer, Numbers older) {
    if (older == null || newer.requests() < P99_MIN_REQUESTS || older.requests() < P99_MIN_REQUESTS) {
      return null;
    }
    double margin = limits.p99Margin().toNanos() / 1e6;
    if (newer.p99Ms() > limits.p99Ratio() * older.p99Ms() && newer.p99Ms() - older.p99Ms() > margin) {
      return String.format(Locale.ROOT, "p99 %.1f ms against %.1f ms for %s: more than %s x and %s slower",
          newer.p99Ms(), older.p99Ms(), older.release(), ratio(limits.p99Ratio()),
          Fleet.format(limits.p99Margin()));
    }
    return null;
  }

  private String watching(Numbers newer) {
    if (newer.requests() < limits.minRequests()) {
      return "no failure seen; " + newer.requests() + " requests, too few to judge its errors (judge: min-requests "
          + limits.minRequests() + ")";
    }
    return "no exit, errors and p99 within the limits";
  }

  /**
   * The low end of the 95% Wilson score interval of {@code errors / requests}: the smallest error
   * share these counts make plausible.
   */
  static double wilsonLow(long errors, long requests) {
    if (requests == 0) {
      return 0;
    }
    double n = requests;
    double p = errors / n;
    double z2 = Z * Z;
    double centre = p + z2 / (2 * n);
    double spread = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    return Math.max(0, (centre - spread) / (1 + z2 / n));
  }

  private static String ratio(double r) {
    return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
  }
}
