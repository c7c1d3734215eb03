package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "deploy", mixinStandardHelpOptions = true, description = "Replace the live release with a new version, without failing a request.")
final class DeployCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UnsupportedOperationException("deploy: not built yet");
  }
}
