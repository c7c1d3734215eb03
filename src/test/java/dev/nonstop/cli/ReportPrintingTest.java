package dev.nonstop.cli;

import static dev.nonstop.admin.FakeControl.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.deploy.Report;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportPrintingTest extends AgainstAdminServer {

  static Report report() {
    return new Report(4, "deploy", "in-place", "1.0.1", "1.0.2", "done", "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:04.2Z", 4200,
        List.of(new Report.StepTime(1, "batch 1/1: drain slots 1, 2", 310, "done"),
            new Report.StepTime(2, "batch 1/1: stop them", 120, "done"),
            new Report.StepTime(3, "batch 1/1: start 1.0.2 in slots 1, 2", 15, "done"),
            new Report.StepTime(4, "batch 1/1: wait until healthy, then attach", 3755, "done")),
        Map.of("1.0.1", 410L), 410, 0, 0, 0, 1.25, 8.5, 31.0, null, 310, "1.0.2 is live after 4200 ms",
        List.of(new Report.Drain(1, "127.0.0.1:40001", "1.0.1", 305, 0),
            new Report.Drain(1, "127.0.0.1:40002", "1.0.1", 310, 1)),
        new Report.Streams(3, 0, 2, 1, 5000), null, null,
        List.of("example.com, www.example.com: valid until 2027-02-01T00:00:00Z (64 days), acme"));
  }

  @Test
  void deployPrintsTheReportAfterTheFinalEvent() {
    control.history = List.of(report());
    control.script = List.of(event("step", 1, "drain"), event("done", 0, "1.0.2 is live"));

    assertThat(cli.run("deploy", "1.0.2")).isZero();

    String out = cli.out();
    assertThat(out.indexOf("1.0.2 is live")).isLessThan(out.indexOf("deploy #4: 1.0.1 → 1.0.2, in-place, done in 4.2s"));
    assertThat(out).contains(
        "STEP  TOOK   RESULT   WHAT\n"
            + "1     310ms  done     batch 1/1: drain slots 1, 2\n"
            + "      305ms  drained  127.0.0.1:40001 (1.0.1)\n"
            + "      310ms  drained  127.0.0.1:40002 (1.0.1), 1 cancelled at the timeout\n"
            + "2     120ms  done     batch 1/1: stop them\n",
        "4     3.8s   done     batch 1/1: wait until healthy, then attach\n",
        "requests: 410 served (1.0.1: 410), 0 failed (0 by the app, 0 by the proxy)\n",
        "latency: p50 1.3 ms, p99 8.5 ms, max 31.0 ms; longest drain 310ms\n",
        "streams (WebSockets, event streams): 3 opened; closed by the app 2, by the proxy 1, by clients 0; "
            + "the longest 5.0s\n",
        "certificate example.com, www.example.com: valid until 2027-02-01T00:00:00Z (64 days), acme\n");
  }

  @Test
  void aBlueGreenReportTellsTheSwitchTime() {
    Report r = report();
    control.history = List.of(new Report(r.id(), r.kind(), "blue-green", r.from(), r.to(), r.result(), r.startedAt(),
        r.endedAt(), r.durationMs(), r.steps(), r.requests(), r.total(), r.failed(), r.appErrors(), r.proxyErrors(),
        r.p50Ms(), r.p99Ms(), r.maxMs(), 42.4, 0, r.message(), null, null, null, null, null));

    assertThat(cli.run("rollback")).isZero();

    assertThat(cli.out()).contains("; switch 42 µs\n").doesNotContain("drained");
  }

  @Test
  void noHistoryMeansNoReport() {
    assertThat(cli.run("promote")).isZero();
    assertThat(cli.out()).doesNotContain("STEP");
  }

  @Test
  void aRolledBackDeployPrintsItsVerdictWithBothReleasesNumbersAndExitsOne() {
    Report r = report();
    dev.nonstop.deploy.Verdict verdict = new dev.nonstop.deploy.Verdict(dev.nonstop.deploy.Verdict.Outcome.FAILED,
        "5xx and proxy errors on 100% of its requests, above the limit of 1.0%",
        new dev.nonstop.deploy.Verdict.Numbers("1.0.2", 20, 20, 15.7),
        new dev.nonstop.deploy.Verdict.Numbers("1.0.1", 455, 0, 6.0));
    control.history = List.of(new Report(r.id(), r.kind(), r.strategy(), r.from(), r.to(), "failed", r.startedAt(),
        r.endedAt(), r.durationMs(), r.steps(), r.requests(), r.total(), r.failed(), r.appErrors(), r.proxyErrors(),
        r.p50Ms(), r.p99Ms(), r.maxMs(), null, 0, r.message(), null, null, verdict, 486L, null));
    control.script = List.of(event("step", 1, "drain"), event("failed", 0, "deploy of 1.0.2 failed: " + verdict.line()));

    assertThat(cli.run("deploy", "1.0.2")).isEqualTo(1);

    assertThat(cli.out()).contains(
        "verdict: failed: 5xx and proxy errors on 100% of its requests, above the limit of 1.0%\n"
            + "  new 1.0.2: 20 requests, 20 errors (100.0%), p99 15.7 ms\n"
            + "  old 1.0.1: 455 requests, 0 errors (0.0%), p99 6.0 ms\n"
            + "undone in 486ms: 1.0.1 is live again\n");
  }

  @Test
  void bakeIsSentWithTheDeployAndAWrongOneIsAUsageError() {
    control.script = List.of(event("done", 0, "1.0.2 is live"));

    assertThat(cli.run("deploy", "1.0.2", "--bake", "2m")).isZero();
    assertThat(control.calls).anySatisfy(c -> assertThat(c).contains("bake=120000ms"));
    assertThat(cli.run("deploy", "1.0.2", "--bake", "2")).isEqualTo(2);
    assertThat(cli.err()).contains("Invalid value for option '--bake': '2' (expected: a duration with a unit, e.g. 30s)");
  }
}
