package dev.nonstop.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "dashboard", mixinStandardHelpOptions = true, description = "Print the dashboard's address, signed in, once the running nonstop answers.")
final class DashboardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Override
  public Integer call() {
    return target.call(spec, client -> {
      client.get("/api/status"); // a link to nothing, or with a refused token, would only puzzle
      // the token rides in the fragment, which browsers never send to a server or a log
      String app = client.app() == null ? "" : "?app=" + java.net.URLEncoder.encode(client.app(), java.nio.charset.StandardCharsets.UTF_8);
      spec.commandLine().getOut().println("http://" + client.target().address() + "/" + app + "#token=" + client.target().token());
      return 0;
    });
  }
}
