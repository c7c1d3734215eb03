package dev.nonstop.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How long a crashed server waits for its restart: longer with each crash in a row, not forever. */
class SupervisorBackoffTest {
  private static final long QUICK = TimeUnit.SECONDS.toNanos(2);

  @Test
  void crashesInARowWaitLongerUpToTenSeconds() {
    List<Long> waits = new ArrayList<>();
    int streak = 0;
    for (int i = 0; i < 9; i++) {
      streak = Supervisor.nextStreak(streak, QUICK);
      waits.add(Supervisor.backoffMillis(streak));
    }
    assertThat(waits).containsExactly(200L, 400L, 800L, 1600L, 3200L, 6400L, 10_000L, 10_000L, 10_000L);
  }

  @Test
  void aServerThatStayedUpAMinuteStartsItsBackoffOver() {
    int streak = 0;
    for (int i = 0; i < 8; i++) {
      streak = Supervisor.nextStreak(streak, QUICK);
    }
    assertThat(Supervisor.backoffMillis(streak)).isEqualTo(10_000L);

    streak = Supervisor.nextStreak(streak, Supervisor.STABLE_NANOS);
    assertThat(Supervisor.backoffMillis(streak)).isEqualTo(200L);
    streak = Supervisor.nextStreak(streak, QUICK);
    assertThat(Supervisor.backoffMillis(streak)).isEqualTo(400L);
  }
}
