package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.admin.Json;
import dev.nonstop.daemon.StatusView;
import dev.nonstop.daemon.StatusView.GroupView;
import dev.nonstop.daemon.StatusView.ServerView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code nonstop status} against the daemon's own status record, not a hand-written JSON. */
class StatusPictureTest {
  private static final StatusView STATUS = new StatusView("hello", "1.0.2", "1.0.1", false, null,
      new StatusView.Deploying(5, "deploy", "1.0.2", "1.0.3", "blue-green", 3, 4), "127.0.0.1:8080", "127.0.0.1:8082",
      List.of(
          new GroupView("1.0.2", "live", null, List.of(
              new ServerView("127.0.0.1:40001", 1, 101, "UP", "READY", 3, 2, 120, 0, 0),
              new ServerView("127.0.0.1:40002", 2, 102, "UP", "DRAINING", 1, 0, 118, 2, 5))),
          new GroupView("1.0.1", "old", "2026-01-01T12:10:00Z", List.of(
              new ServerView("127.0.0.1:40003", 1, 103, "UP", "READY", 0, 1, 90, 0, 0))),
          new GroupView("1.0.3", "preview", null, List.of(
              new ServerView("127.0.0.1:40004", 1, 104, "DOWN", "MAINT", 0, 0, 0, 0, 0)))),
      List.of(),
      List.of(new StatusView.CertView(List.of("example.com", "www.example.com"),
              "2027-02-01T00:00:00Z", 64L, "/etc/ssl/example.pem", null),
          new StatusView.CertView(List.of("shop.example.com"), null, null, "acme",
              "ordering; next attempt 2026-11-29T22:10:00Z")));

  @Test
  void drawsEveryGroupOfTheRealStatusShape() {
    String out = StatusCommand.render(Json.mapper().valueToTree(STATUS), false);

    assertThat(out).isEqualTo("""
        hello: 1.0.2 live (previous 1.0.1), listening on 127.0.0.1:8080
        preview on 127.0.0.1:8082
        deploying: #5 deploy 1.0.2 → 1.0.3 (blue-green), step 3/4
        certificate example.com, www.example.com: valid until 2027-02-01T00:00:00Z (64 days), /etc/ssl/example.pem
        certificate shop.example.com: none yet, acme (ordering; next attempt 2026-11-29T22:10:00Z)
        1.0.1 is kept warm for a rollback until 2026-01-01T12:10:00Z

        RELEASE  ROLE     SERVER           SLOT  PID  HEALTH  ADMIN     IN-FLIGHT  STREAMS  REQUESTS  RESTARTS  EJECTED
        1.0.2    live     127.0.0.1:40001  1     101  UP      READY     3          2        120       0         0
        1.0.2    live     127.0.0.1:40002  2     102  UP      DRAINING  1          0        118       2         5
        1.0.1    old      127.0.0.1:40003  1     103  UP      READY     0          1        90        0         0
        1.0.3    preview  127.0.0.1:40004  1     104  DOWN    MAINT     0          0        0         0         0
        """);
  }

  @Test
  void colorsRoleHealthAndAdminState() {
    String out = StatusCommand.render(Json.mapper().valueToTree(STATUS), true);

    assertThat(out).contains("\u001B[33mDRAINING  \u001B[0m", "\u001B[31mMAINT     \u001B[0m",
        "\u001B[36mpreview  \u001B[0m", "\u001B[2mold      \u001B[0m", "\u001B[31mDOWN    \u001B[0m");
  }

  @Test
  void aCanaryShowsEachGroupsWeight() {
    StatusView canary = new StatusView("hello", "1.0.1", null, false, null,
        new StatusView.Deploying(6, "deploy", "1.0.1", "1.0.2", "canary", 4, 7), "127.0.0.1:8080", null,
        List.of(
            new GroupView("1.0.1", "live", null, List.of(
                new ServerView("127.0.0.1:40001", 1, 101, "UP", "READY", 0, 0, 300, 0, 0)), 75),
            new GroupView("1.0.2", "canary", null, List.of(
                new ServerView("127.0.0.1:40002", 1, 102, "UP", "READY", 0, 0, 100, 0, 0)), 25)),
        List.of(), List.of());

    String out = StatusCommand.render(Json.mapper().valueToTree(canary), false);

    assertThat(out).contains("canary: 1.0.2 takes 25% of the clients ('nonstop promote' skips the steps left, "
            + "'nonstop abort' rolls back)\n",
        "1.0.1    live 75%    127.0.0.1:40001", "1.0.2    canary 25%  127.0.0.1:40002");
  }
}
