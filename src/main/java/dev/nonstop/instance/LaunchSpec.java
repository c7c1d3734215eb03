package dev.nonstop.instance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to run one server of the app.
 *
 * @param run command template; {@code {version}}, {@code {port}}, {@code {instance}} are replaced
 * @param stopSignal TERM, INT, HUP, QUIT or KILL
 * @param logDir each server's stdout and stderr go to a file here
 */
public record LaunchSpec(
    String run, Path workdir, Map<String, String> env, String stopSignal, Duration stopTimeout, Path logDir) {}
