package dev.nonstop.health;

import static dev.nonstop.pool.Health.DOWN;
import static dev.nonstop.pool.Health.UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.pool.Health;
import org.junit.jupiter.api.Test;

class RiseFallTest {
  /** Feeds outcomes to a backend whose health follows each verdict, as Backend.setHealth does. */
  private static Health run(RiseFall rf, Health start, boolean... outcomes) {
    Health h = start;
    for (boolean passed : outcomes) {
      h = rf.record(h, passed);
    }
    return h;
  }

  @Test
  void downBackendGoesUpAfterRisePassesInARow() {
    RiseFall rf = new RiseFall(2, 3, DOWN);

    assertThat(rf.record(DOWN, true)).isEqualTo(DOWN);
    assertThat(rf.record(DOWN, true)).isEqualTo(UP);
  }

  @Test
  void upBackendGoesDownAfterFallFailuresInARow() {
    RiseFall rf = new RiseFall(2, 3, UP);

    assertThat(run(rf, UP, false, false)).isEqualTo(UP);
    assertThat(rf.record(UP, false)).isEqualTo(DOWN);
  }

  @Test
  void aFailureResetsThePassStreak() {
    RiseFall rf = new RiseFall(2, 3, DOWN);

    assertThat(run(rf, DOWN, true, false, true)).isEqualTo(DOWN);
    assertThat(rf.record(DOWN, true)).isEqualTo(UP);
  }

  @Test
  void aPassResetsTheFailureStreak() {
    RiseFall rf = new RiseFall(2, 3, UP);

    assertThat(run(rf, UP, false, false, true, false, false)).isEqualTo(UP);
    assertThat(rf.record(UP, false)).isEqualTo(DOWN);
  }

  @Test
  void passesWhileUpAndFailuresWhileDownChangeNothing() {
    RiseFall rf = new RiseFall(1, 1, UP);

    assertThat(run(rf, UP, true, true, true)).isEqualTo(UP);
    assertThat(rf.record(UP, false)).isEqualTo(DOWN);
    assertThat(run(rf, DOWN, false, false)).isEqualTo(DOWN);
    assertThat(rf.record(DOWN, true)).isEqualTo(UP);
  }

  @Test
  void backendEjectedByLiveTrafficNeedsRiseFreshPasses() {
    RiseFall rf = new RiseFall(2, 3, DOWN);
    assertThat(run(rf, DOWN, true, true)).isEqualTo(UP);
    assertThat(run(rf, UP, true, true, true)).isEqualTo(UP);

    // live traffic marked it DOWN behind the checker's back
    assertThat(rf.record(DOWN, true)).isEqualTo(DOWN);
    assertThat(rf.record(DOWN, true)).isEqualTo(UP);
  }

  @Test
  void streakCountsPassesPositiveAndFailuresNegative() {
    RiseFall rf = new RiseFall(5, 5, UP);
    run(rf, UP, true, true);
    assertThat(rf.streak()).isEqualTo(2);
    run(rf, UP, false, false, false);
    assertThat(rf.streak()).isEqualTo(-3);
  }

  @Test
  void refusesRiseOrFallBelowOne() {
    assertThatThrownBy(() -> new RiseFall(0, 1, UP)).hasMessageContaining("expected: rise and fall >= 1");
  }

  /** Probes a DOWN backend that always passes until it is UP; returns how many passes that took. */
  private static int passesToComeBack(RiseFall rf) {
    int n = 0;
    Health h = DOWN;
    while (h == DOWN) {
      h = rf.record(DOWN, true);
      n++;
    }
    return n;
  }

  @Test
  void eachEjectionInARowDoublesThePassesNeededUpToTheMost() {
    RiseFall rf = new RiseFall(2, 3, UP, 30);
    int[] needed = new int[6];
    for (int i = 0; i < needed.length; i++) {
      rf.record(UP, true); // serving for a moment
      needed[i] = passesToComeBack(rf); // ejected by live traffic: DOWN without a failed check
    }

    assertThat(needed).containsExactly(2, 4, 8, 16, 30, 30);
  }

  @Test
  void aBackendThatStayedUpLongEnoughStartsTheDampingAfresh() {
    RiseFall rf = new RiseFall(2, 3, UP, 10);
    rf.record(UP, true);
    passesToComeBack(rf);
    rf.record(UP, true);
    assertThat(passesToComeBack(rf)).isEqualTo(4);

    for (int i = 0; i < 10; i++) {
      rf.record(UP, true);
    }

    assertThat(passesToComeBack(rf)).isEqualTo(2);
    assertThat(rf.ejections()).isEqualTo(1);
  }

  @Test
  void goingDownOnItsOwnFailedChecksIsNotAnEjection() {
    RiseFall rf = new RiseFall(2, 1, UP, 30);
    for (int i = 0; i < 4; i++) {
      assertThat(rf.record(UP, false)).isEqualTo(DOWN);
      assertThat(passesToComeBack(rf)).isEqualTo(2);
    }
  }

  @Test
  void withoutAMostThereIsNoDamping() {
    RiseFall rf = new RiseFall(2, 3, UP);
    for (int i = 0; i < 4; i++) {
      rf.record(UP, true);
      assertThat(passesToComeBack(rf)).isEqualTo(2);
    }
  }
}
