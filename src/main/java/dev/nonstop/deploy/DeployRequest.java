package dev.nonstop.deploy;

/**
 * What {@code nonstop deploy} asks for. Null fields take the configuration's values.
 *
 * @param strategy in-place, blue-green or canary
 * @param batch a count or a percent, as in the file
 * @param bake a duration, as in the file
 */
public record DeployRequest(String version, String strategy, String batch, Integer surge, boolean preview, String bake) {
  /** With the file's bake. */
  public DeployRequest(String version, String strategy, String batch, Integer surge, boolean preview) {
    this(version, strategy, batch, surge, preview, null);
  }
}
