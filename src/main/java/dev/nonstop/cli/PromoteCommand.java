package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "promote", mixinStandardHelpOptions = true, description = "Switch a previewed blue-green group live.")
final class PromoteCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("promote: not built yet");
  }
}
