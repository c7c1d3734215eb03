package dev.nonstop.daemon;

import dev.nonstop.sample.SampleServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sample server, with releases that misbehave by name: a version containing {@code exits}
 * fails at start, one containing {@code sick} listens but never passes its health check, one
 * containing {@code dies} exits 2.5 s after it listens, one containing {@code errors} answers 500
 * to every request but its health check.
 */
public final class TestApp {
  private TestApp() {}

  public static void main(String[] args) throws Exception {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    String version = all.get(all.indexOf("--version") + 1);
    if (version.contains("exits")) {
      all.add("--fail-start");
    }
    if (version.contains("sick")) {
      all.add("--never-healthy");
    }
    if (version.contains("dies")) {
      all.addAll(List.of("--exit-after", "2500ms"));
    }
    if (version.contains("errors")) {
      all.add("--fail-requests");
    }
    SampleServer.main(all.toArray(new String[0]));
  }
}
