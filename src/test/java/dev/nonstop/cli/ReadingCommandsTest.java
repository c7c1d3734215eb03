package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nonstop.admin.Json;
import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadingCommandsTest extends AgainstAdminServer {
  static final String STATUS = """
      {"app":"hello","live":"1.0.2","previous":"1.0.1","maintenance":false,
       "deploying":{"id":3,"to":"1.0.3","strategy":"blue-green","step":2,"steps":7},
       "listen":"127.0.0.1:8080",
       "groups":[{"release":"1.0.2","role":"live","servers":[
         {"name":"127.0.0.1:40001","slot":1,"pid":1234,"health":"UP","admin":"READY","inFlight":0,"requests":123},
         {"name":"127.0.0.1:40002","slot":2,"pid":1235,"health":"DOWN","admin":"DRAIN","inFlight":2,"requests":99}]},
        {"release":"1.0.3","role":"new","servers":[
         {"name":"127.0.0.1:40003","slot":1,"pid":null,"health":"UNKNOWN","admin":"READY"}]}]}
      """;
  static final String HISTORY = """
      [{"id":1,"kind":"deploy","strategy":"in-place","from":null,"to":"1.0.1","result":"done",
        "startedAt":"2026-01-01T12:00:00Z","endedAt":"2026-01-01T12:00:04Z","durationMs":4200,
        "requests":{"1.0.1":100},"failed":0,"message":"1.0.1 is live",
        "verdict":{"outcome":"passed","reason":"no exit, errors and p99 within the limits"}},
       {"id":2,"kind":"deploy","strategy":"blue-green","from":"1.0.1","to":"1.0.2","result":"failed",
        "durationMs":125000,"requests":{"1.0.1":100,"1.0.2":50},"failed":0,
        "verdict":{"outcome":"failed","reason":"a server exited: 127.0.0.1:4001 (slot 1) exited with code 1"}}]
      """;

  @BeforeEach
  void answers() throws IOException {
    control.status = Json.mapper().readTree(STATUS);
    control.history = Json.mapper().readTree(HISTORY);
  }

  @Test
  void statusShowsTheLiveReleaseTheDeploymentAndEveryServer() {
    assertThat(cli.run("status")).as(cli.err()).isZero();

    assertThat(cli.out()).isEqualTo("""
        hello: 1.0.2 live (previous 1.0.1), listening on 127.0.0.1:8080
        deploying: #3 deploy 1.0.3 (blue-green), step 2/7

        RELEASE  ROLE  SERVER           SLOT  PID   HEALTH   ADMIN  IN-FLIGHT  STREAMS  REQUESTS  RESTARTS  EJECTED
        1.0.2    live  127.0.0.1:40001  1     1234  UP       READY  0          -        123       -         -
        1.0.2    live  127.0.0.1:40002  2     1235  DOWN     DRAIN  2          -        99        -         -
        1.0.3    new   127.0.0.1:40003  1     -     UNKNOWN  READY  -          -        -         -         -
        """);
  }

  @Test
  void statusShowsMaintenancePreviewAndWhatIsBeingReplaced() throws IOException {
    JsonNode s = Json.mapper().readTree("""
        {"app":"hello","live":"1.0.2","maintenance":true,"maintenanceMessage":"Back at 5","preview":"127.0.0.1:8082",
         "deploying":{"id":4,"kind":"rollback","from":"1.0.2","to":"1.0.1","strategy":"in-place","step":1,"steps":4},
         "groups":[]}
        """);

    assertThat(StatusCommand.render(s, false)).startsWith("""
        hello: 1.0.2 live, listening on -
        preview on 127.0.0.1:8082
        maintenance: on (Back at 5)
        deploying: #4 rollback 1.0.2 → 1.0.1 (in-place), step 1/4
        """);
  }

  @Test
  void statusColorsOnlyWhenAskedTo() {
    String plain = StatusCommand.render(control.statusTree(), false);
    String colored = StatusCommand.render(control.statusTree(), true);

    assertThat(plain).doesNotContain("\u001B[");
    assertThat(colored).contains("\u001B[32mUP       \u001B[0m", "\u001B[31mDOWN     \u001B[0m");
    assertThat(colored.replaceAll("\u001B\\[[0-9;]*m", "")).isEqualTo(plain);
  }

  @Test
  void statusJsonIsTheDaemonsJson() throws IOException {
    assertThat(cli.run("status", "--json")).isZero();
    assertThat(Json.mapper().readTree(cli.out())).isEqualTo(Json.mapper().readTree(STATUS));
  }

  @Test
  void historyIsATableOfDeployments() {
    assertThat(cli.run("history")).as(cli.err()).isZero();

    assertThat(cli.out()).isEqualTo("""
        ID  KIND    STRATEGY    FROM → TO      RESULT  DURATION  REQUESTS  FAILED  VERDICT
        1   deploy  in-place    - → 1.0.1      done    4.2s      100       0       passed
        2   deploy  blue-green  1.0.1 → 1.0.2  failed  2m05s     150       0       failed: a server exited
        """);
  }

  @Test
  void historyJsonIsTheDaemonsJson() throws IOException {
    assertThat(cli.run("history", "--json")).isZero();
    JsonNode printed = Json.mapper().readTree(cli.out());
    assertThat(printed).isEqualTo(Json.mapper().readTree(HISTORY));
  }

  @Test
  void abortPrintsWhatItDid() {
    assertThat(cli.run("abort")).isZero();
    assertThat(cli.out()).isEqualTo("aborted deployment 3; 1.0.2 stays live\n");
  }

  @Test
  void maintenanceTurnsOnWithAMessageAndOff() {
    assertThat(cli.run("maintenance", "on", "--message", "Back at 5")).isZero();
    assertThat(cli.run("maintenance", "off")).isZero();

    assertThat(control.calls).containsExactly("maintenance true Back at 5", "maintenance false null");
    assertThat(cli.out()).isEqualTo("maintenance on: Back at 5\nmaintenance off\n");
  }

  @Test
  void maintenanceTakesOnlyOnOrOff() {
    assertThat(cli.run("maintenance", "maybe")).isEqualTo(2);
    assertThat(cli.err()).contains("expected: on or off");
    assertThat(control.calls).isEmpty();
  }

  @Test
  void dashboardPrintsItsAddressWithTheToken() {
    assertThat(cli.run("dashboard")).isZero();
    assertThat(cli.out()).isEqualTo("http://127.0.0.1:" + server.address().getPort() + "/#token=" + TOKEN + "\n");
  }
}
