package dev.nonstop.dashboard;

import dev.nonstop.sample.SampleServer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sample server; every release but the first ({@value #FIRST}) takes a few seconds to start,
 * so that a deploy lasts long enough for a browser to open the dashboard during it.
 */
public final class SlowApp {
  static final String FIRST = "1.0.1";

  private SlowApp() {}

  public static void main(String[] args) throws Exception {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (!all.get(all.indexOf("--version") + 1).equals(FIRST)) {
      all.add("--startup-delay");
      all.add("4s");
    }
    SampleServer.main(all.toArray(new String[0]));
  }
}
