package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "up", mixinStandardHelpOptions = true, description = "Run the proxy, the admin API and the app's servers in the foreground.")
final class UpCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("up: not built yet");
  }
}
