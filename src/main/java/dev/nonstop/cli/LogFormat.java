package dev.nonstop.cli;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * How the daemon's logs look on stderr: {@code text} lines or one {@code json} object a line.
 * {@link Logs} picks its encoder from the {@value #PROPERTY} property; since a logger may have
 * configured logback before the option was parsed, choosing a format configures it again.
 */
enum LogFormat {
  TEXT,
  JSON;

  static final String PROPERTY = Logs.FORMAT;

  /** Switches every logger to this format from now on. */
  void apply() {
    System.setProperty(PROPERTY, name().toLowerCase(java.util.Locale.ROOT));
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: its own configuration rules
    }
    context.reset();
    Logs.apply(context);
  }
}
