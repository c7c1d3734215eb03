package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the live release, its servers and the deployment under way.")
final class StatusCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("status: not built yet");
  }
}
