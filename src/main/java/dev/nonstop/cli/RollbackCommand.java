package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "rollback", mixinStandardHelpOptions = true, description = "Go back to the previous release.")
final class RollbackCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("rollback: not built yet");
  }
}
