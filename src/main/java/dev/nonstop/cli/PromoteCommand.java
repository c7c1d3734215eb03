package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "promote", mixinStandardHelpOptions = true, description = "Switch a previewed blue-green group live, or skip the canary steps and bake left of the deploy under way.")
final class PromoteCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Override
  public Integer call() {
    return target.call(spec, client -> EventLine.follow(client, "/api/promote", JsonText.object(), spec.commandLine().getOut()));
  }
}
