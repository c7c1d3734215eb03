package dev.nonstop.daemon;

import dev.nonstop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One command of the real CLI, run in this JVM against a nonstop.yml: its exit code and output. */
record CliRun(int code, String out, String err) {
  static CliRun of(Path file, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-f", file.toString()));
    int code = cl.execute(all.toArray(new String[0]));
    return new CliRun(code, out.toString(), err.toString());
  }
}
