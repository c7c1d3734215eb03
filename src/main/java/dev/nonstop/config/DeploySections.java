package dev.nonstop.config;

import dev.nonstop.config.YamlTree.Mapping;
import dev.nonstop.config.YamlTree.Node;
import dev.nonstop.config.YamlTree.Scalar;
import dev.nonstop.config.YamlTree.Sequence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sections that guard a deploy: {@code judge:}, {@code canary:} and {@code hooks:}. Each absent
 * key keeps its default; every refusal says what was expected, as the rest of the file's.
 */
final class DeploySections {
  static final List<String> JUDGE_KEYS = List.of("min-requests", "max-errors", "error-ratio", "p99-ratio", "p99-margin");
  static final List<String> CANARY_KEYS = List.of("steps", "hold");
  static final List<String> CANARY_STEP_KEYS = List.of("weight", "hold");
  static final List<String> HOOKS_KEYS = List.of("before", "after", "on-failure", "timeout");
  private static final String STEP = "a weight like 5%, or {weight: 5%, hold: 1m}";

  private DeploySections() {}

  static JudgeLimits judge(Section s) {
    s.allowOnly(JUDGE_KEYS);
    JudgeLimits d = JudgeLimits.DEFAULT;
    return new JudgeLimits(
        s.integer("min-requests", d.minRequests(), 1, 1_000_000),
        s.parsed("max-errors", d.maxErrors(), "a share from 0% to 100% like 1% or 0.5%", DeploySections::share),
        s.parsed("error-ratio", d.errorRatio(), "a number of at least 1 like 2 or 1.5", DeploySections::ratio),
        s.parsed("p99-ratio", d.p99Ratio(), "a number of at least 1 like 2 or 1.5", DeploySections::ratio),
        s.duration("p99-margin", d.p99Margin(), false));
  }

  static Canary canary(Section s) {
    s.allowOnly(CANARY_KEYS);
    Duration hold = s.duration("hold", Canary.DEFAULT.steps().get(0).hold(), true);
    Node n = s.node("steps");
    if (n == null) {
      return new Canary(Canary.DEFAULT.steps().stream().map(step -> new Canary.Step(step.percent(), hold)).toList());
    }
    if (!(n instanceof Sequence seq) || seq.items().isEmpty()) {
      throw s.wrong("steps", n, "a list of weights that grow, like [5%, 25%, 50%]");
    }
    List<Canary.Step> steps = new ArrayList<>();
    for (Node item : seq.items()) {
      Canary.Step step = step(s, item, hold);
      if (!steps.isEmpty() && step.percent() <= steps.get(steps.size() - 1).percent()) {
        throw Section.error(s.file(), item.at(), "canary.steps: " + step.percent() + "% after "
            + steps.get(steps.size() - 1).percent() + "% (expected: weights that grow, like [5%, 25%, 50%])");
      }
      steps.add(step);
    }
    return new Canary(steps);
  }

  private static Canary.Step step(Section s, Node item, Duration hold) {
    if (item instanceof Scalar sc && !sc.isNull()) {
      try {
        return new Canary.Step(weight(sc.text()), hold);
      } catch (IllegalArgumentException e) {
        throw Section.error(s.file(), item.at(), "canary.steps: " + Section.describe(item) + " (expected: " + STEP + ")");
      }
    }
    if (item instanceof Mapping m) {
      Section one = new Section(s.file(), "canary.steps[].", m);
      one.allowOnly(CANARY_STEP_KEYS);
      int w = one.parsed("weight", null, "a share of requests from 1% to 100% like 5%", DeploySections::weight);
      return new Canary.Step(w, one.duration("hold", hold, true));
    }
    throw Section.error(s.file(), item.at(), "canary.steps: " + Section.describe(item) + " (expected: " + STEP + ")");
  }

  static Hooks hooks(Section s) {
    s.allowOnly(HOOKS_KEYS);
    return new Hooks(command(s, "before"), command(s, "after"), command(s, "on-failure"),
        s.duration("timeout", Hooks.NONE.timeout(), true));
  }

  private static String command(Section s, String key) {
    String expected = "a command run by sh -c, e.g. ./migrate.sh";
    Node n = s.node(key);
    if (n == null) {
      return null;
    }
    String text = s.text(key, null, expected);
    if (text.isBlank()) {
      throw s.wrong(key, n, expected);
    }
    return text;
  }

  /** {@code 5%}: a whole percent from 1 to 100. */
  static int weight(String text) {
    String t = text.strip();
    if (!t.endsWith("%")) {
      throw new IllegalArgumentException(text);
    }
    int p = Integer.parseInt(t.substring(0, t.length() - 1).strip());
    if (p < 1 || p > 100) {
      throw new IllegalArgumentException(text);
    }
    return p;
  }

  /** {@code 1%} or {@code 0.5%}, as a share from 0 to 1. */
  static Double share(String text) {
    String t = text.strip();
    if (!t.endsWith("%")) {
      throw new IllegalArgumentException(text);
    }
    double p = Double.parseDouble(t.substring(0, t.length() - 1).strip());
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException(text);
    }
    return p / 100;
  }

  static Double ratio(String text) {
    double r = Double.parseDouble(text.strip());
    if (!(r >= 1 && r <= 1000)) {
      throw new IllegalArgumentException(text);
    }
    return r;
  }

  /** An empty section under {@code key}, so that its defaults apply. */
  static Section empty(Section top, String key) {
    return new Section(top.file(), key + ".", new Mapping(Map.of(), top.at()));
  }
}
