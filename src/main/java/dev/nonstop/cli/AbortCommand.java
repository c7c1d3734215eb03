package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "abort", mixinStandardHelpOptions = true, description = "Stop the deployment under way and keep the old release.")
final class AbortCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Override
  public Integer call() {
    return target.call(spec, client -> {
      spec.commandLine().getOut().println(Table.cell(client.post("/api/abort", JsonText.object()), "message"));
      return 0;
    });
  }
}
