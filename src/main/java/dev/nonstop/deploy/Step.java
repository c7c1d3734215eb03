package dev.nonstop.deploy;

import static java.util.Objects.requireNonNull;

/** One printable, ordered piece of a {@link Plan}: "batch 1/2: drain slots 1, 2". */
public record Step(String title, Action action) {

  /** What a step does; it may block, and reports progress through the deployment. */
  @FunctionalInterface
  public interface Action {
    void run(Deployment deployment) throws DeployException, InterruptedException;
  }

  public Step {
    requireNonNull(title, "title");
    requireNonNull(action, "action");
  }
}
