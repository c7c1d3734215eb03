package dev.nonstop.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/**
 * How the daemon's logs look on stderr: {@code text} lines or one {@code json} object a line.
 * logback.xml picks its appender from the {@value #PROPERTY} property; since a logger may have
 * configured logback before the option was parsed, choosing a format configures it again.
 */
enum LogFormat {
  TEXT,
  JSON;

  static final String PROPERTY = "NONSTOP_LOG_FORMAT";

  /** Switches every logger to this format from now on. */
  void apply() {
    System.setProperty(PROPERTY, name().toLowerCase(java.util.Locale.ROOT));
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: its own configuration rules
    }
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (JoranException e) {
      throw new IllegalStateException("logback.xml: " + e.getMessage(), e);
    }
  }
}
