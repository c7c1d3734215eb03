package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "dashboard", mixinStandardHelpOptions = true, description = "Print the dashboard's address, signed in.")
final class DashboardCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("dashboard: not built yet");
  }
}
