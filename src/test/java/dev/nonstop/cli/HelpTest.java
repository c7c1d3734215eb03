package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every command answers --help with its usage and exit code 0. */
class HelpTest {
  @Test
  void everyCommandHasHelp() {
    for (String command : new String[] {"up", "proxy", "demo", "deploy", "rollback", "promote",
        "abort", "status", "history", "maintenance", "dashboard", "systemd"}) {
      Cli cli = new Cli(null);
      assertThat(cli.run(command, "--help")).as(command).isZero();
      assertThat(cli.out()).as(command).startsWith("Usage: nonstop " + command);
    }
  }

  @Test
  void aNamedCommandIsTheOnlyOneBuilt() {
    assertThat(Main.commandLineFor("status", "--json").getSubcommands()).containsOnlyKeys("status");
  }

  @Test
  void helpAndUnknownNamesSeeEveryCommand() {
    assertThat(Main.commandLineFor("help", "status").getSubcommands()).hasSize(13);
    assertThat(Main.commandLineFor("stauts").getSubcommands()).hasSize(13);
    assertThat(Main.commandLineFor().getSubcommands()).hasSize(13);
  }
}
