package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "history", mixinStandardHelpOptions = true, description = "List past deployments with their reports.")
final class HistoryCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("history: not built yet");
  }
}
