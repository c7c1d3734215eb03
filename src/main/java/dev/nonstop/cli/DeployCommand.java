package dev.nonstop.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nonstop.config.Batch;
import dev.nonstop.config.Strategy;
import dev.nonstop.deploy.DeployRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

// No standard -V/--version here: as with up, --version names the release (nonstop --version
// still prints Nonstop's own). Taken rather than refused because up taught the user to type it.
@Command(name = "deploy", description = "Replace the live release with a new version, without failing a request.")
final class DeployCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin TargetOption target;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Parameters(index = "0", arity = "0..1", paramLabel = "VERSION", description = "The version to deploy.")
  String version;

  @Option(names = "--version", paramLabel = "VERSION", description = "The version to deploy, as an option (as with up).")
  String versionOption;

  @Option(names = "--strategy", paramLabel = "in-place|blue-green|canary", converter = StrategyConverter.class,
      description = "How to replace the servers (default: the file's).")
  Strategy strategy;

  @Option(names = "--batch", paramLabel = "N|P%", converter = BatchConverter.class,
      description = "In-place: servers replaced at a time, a count or a percent (default: the file's).")
  Batch batch;

  @Option(names = "--surge", paramLabel = "N", description = "In-place: extra servers started before old ones stop (default: the file's).")
  Integer surge;

  @Option(names = "--preview", description = "Blue-green: stop before the switch, with the new release on the preview port, until promote or abort.")
  boolean preview;

  @Option(names = "--bake", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long to watch the new release after the last step before the deploy is done, e.g. 30s, 0s for none (default: the file's).")
  java.time.Duration bake;

  @Override
  public Integer call() {
    if (version != null && versionOption != null && !version.equals(versionOption)) {
      throw new ParameterException(spec.commandLine(),
          "two versions to deploy: " + version + " and --version " + versionOption + " (expected: one)");
    }
    String version = this.version != null ? this.version : versionOption;
    if (version == null) {
      throw new ParameterException(spec.commandLine(),
          "which version to deploy? (expected: nonstop deploy VERSION, or --version VERSION)");
    }
    DeployRequest request = new DeployRequest(version, strategy == null ? null : strategy.word(),
        batch == null ? null : batch.toString(), surge, preview, bake == null ? null : bake.toMillis() + "ms");
    return target.call(spec, client -> EventLine.follow(client, "/api/deploy", json(request), spec.commandLine().getOut()));
  }

  /** The request as the admin server reads it: every field by its name, null for the file's value. */
  static ObjectNode json(DeployRequest r) {
    return JsonText.object().put("version", r.version()).put("strategy", r.strategy()).put("batch", r.batch())
        .put("surge", r.surge()).put("preview", r.preview()).put("bake", r.bake());
  }

  static final class StrategyConverter implements ITypeConverter<Strategy> {
    @Override
    public Strategy convert(String value) {
      try {
        return Strategy.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class DurationConverter implements ITypeConverter<java.time.Duration> {
    @Override
    public java.time.Duration convert(String value) {
      try {
        return dev.nonstop.config.Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' (expected: " + e.getMessage() + ")");
      }
    }
  }

  static final class BatchConverter implements ITypeConverter<Batch> {
    @Override
    public Batch convert(String value) {
      try {
        return Batch.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
