package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Go back to the previous release.")
final class RollbackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Override
  public Integer call() {
    return target.call(spec, client -> EventLine.follow(client, "/api/rollback", JsonText.object(), spec.commandLine().getOut()));
  }
}
