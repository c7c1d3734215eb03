package dev.nonstop.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "maintenance", mixinStandardHelpOptions = true, description = "Turn the maintenance page on or off.")
final class MaintenanceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Parameters(index = "0", paramLabel = "on|off", description = "on: answer every request with the maintenance page (503); off: serve the app again.")
  String state;

  @Option(names = "--message", paramLabel = "TEXT", description = "With on: the text of the page (default: a generic one).")
  String message;

  @Override
  public Integer call() {
    if (!state.equals("on") && !state.equals("off")) {
      throw new ParameterException(spec.commandLine(), "maintenance: '" + state + "' (expected: on or off)");
    }
    boolean on = state.equals("on");
    if (!on && message != null) {
      throw new ParameterException(spec.commandLine(), "--message goes with 'on' (expected: maintenance on --message TEXT)");
    }
    ObjectNode body = JsonText.object().put("on", on).put("message", message);
    return target.call(spec, client -> {
      client.post("/api/maintenance", body);
      spec.commandLine().getOut().println(on ? "maintenance on" + (message == null ? "" : ": " + message) : "maintenance off");
      return 0;
    });
  }
}
