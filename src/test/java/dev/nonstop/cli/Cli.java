package dev.nonstop.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the real command line against a fixed {@link Target}, capturing what it prints. */
final class Cli {
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();
  private final Target target;

  Cli(Target target) {
    this.target = target;
  }

  int run(String... args) {
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      @SuppressWarnings("unchecked")
      public <K> K create(Class<K> cls) throws Exception {
        return cls == TargetOption.class ? (K) new TargetOption(target) : CommandLine.defaultFactory().create(cls);
      }
    };
    return Main.commandLine(factory)
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  String out() {
    return out.toString();
  }

  String err() {
    return err.toString();
  }
}
