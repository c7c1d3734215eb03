package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "proxy", mixinStandardHelpOptions = true, description = "Run the load balancer alone in front of a static set of backends.")
final class ProxyCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("proxy: not built yet");
  }
}
