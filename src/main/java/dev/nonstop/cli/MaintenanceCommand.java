package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "maintenance", mixinStandardHelpOptions = true, description = "Turn the maintenance page on or off.")
final class MaintenanceCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("maintenance: not built yet");
  }
}
