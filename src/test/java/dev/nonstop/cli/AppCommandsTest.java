package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.admin.Json;
import org.junit.jupiter.api.Test;

/** {@code --app NAME}: the app a command acts on, when nonstop runs several. */
class AppCommandsTest extends AgainstAdminServer {

  @Test
  void everyCommandNamesItsAppToTheDaemon() {
    assertThat(cli.run("rollback", "--app", "web")).as(cli.err()).isZero();
    assertThat(cli.run("maintenance", "on", "--app", "api")).as(cli.err()).isZero();
    assertThat(cli.run("history", "--app", "my-app")).as(cli.err()).isZero();
    assertThat(cli.run("abort")).as(cli.err()).isZero();

    // rollback reads the history for its report: of the same app
    assertThat(control.calls).containsExactly("rollback app=web", "history app=web", "maintenance true null app=api",
        "history app=my-app", "abort");
  }

  @Test
  void statusOfSeveralAppsShowsOneBlockEach() throws Exception {
    control.status = Json.mapper().readTree("""
        {"apps":[
          {"app":"web","live":"1.0.2","listen":"127.0.0.1:8080","routes":"example.com, any other host",
           "groups":[{"release":"1.0.2","role":"live","servers":[{"name":"127.0.0.1:40001","slot":1,"pid":11,
             "health":"UP","admin":"READY","inFlight":0,"requests":5}]}]},
          {"app":"api","live":"2.0.1","listen":"127.0.0.1:8080","routes":"example.com, under /api","maintenance":true,
           "groups":[]}]}
        """);

    assertThat(cli.run("status", "--no-color")).as(cli.err()).isZero();

    assertThat(cli.out()).isEqualTo("""
        web: 1.0.2 live, listening on 127.0.0.1:8080 for example.com, any other host

        RELEASE  ROLE  SERVER           SLOT  PID  HEALTH  ADMIN  IN-FLIGHT  STREAMS  REQUESTS  RESTARTS  EJECTED
        1.0.2    live  127.0.0.1:40001  1     11   UP      READY  0          -        5         -         -

        api: 2.0.1 live, listening on 127.0.0.1:8080 for example.com, under /api
        maintenance: on

        RELEASE  ROLE  SERVER  SLOT  PID  HEALTH  ADMIN  IN-FLIGHT  STREAMS  REQUESTS  RESTARTS  EJECTED
        """);
  }

  @Test
  void aRefusalListsTheAppsToChooseFrom() {
    control.refusal = new dev.nonstop.admin.ControlException(400,
        "which app? this nonstop runs web, api (expected: --app NAME, or ?app=NAME in the admin API)");

    assertThat(cli.run("deploy", "1.0.3")).isEqualTo(1);

    assertThat(cli.err()).contains("which app? this nonstop runs web, api (expected: --app NAME");
  }
}
