package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "abort", mixinStandardHelpOptions = true, description = "Stop the deployment under way and keep the old release.")
final class AbortCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("abort: not built yet");
  }
}
