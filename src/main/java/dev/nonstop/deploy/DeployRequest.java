package dev.nonstop.deploy;

/**
 * What {@code nonstop deploy} asks for. Null fields take the configuration's values.
 *
 * @param strategy in-place or blue-green
 * @param batch a count or a percent, as in the file
 */
public record DeployRequest(String version, String strategy, String batch, Integer surge, boolean preview) {}
