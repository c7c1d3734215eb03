package dev.nonstop.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Logback's configuration, in code: logs go to stderr, so that commands' own output on stdout
 * stays clean, as text lines or (with {@code NONSTOP_LOG_FORMAT=json}, which {@code up
 * --log-format json} sets) one JSON object a line for log shippers; {@code NONSTOP_LOG_LEVEL}
 * (default INFO) is the root level; Netty logs warnings and worse only. Found by logback through
 * its service loader, ahead of any XML file: the XML configurator and its parser were a fifth of
 * the classes a running proxy loaded (about 650 of 3,500).
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class Logs extends ContextAwareBase implements Configurator {
  static final String FORMAT = "NONSTOP_LOG_FORMAT";
  static final String LEVEL = "NONSTOP_LOG_LEVEL";
  private static final String TEXT = "%d{HH:mm:ss.SSS} %-5level %logger{0}%replace( [%X{app}]){' \\[\\]', ''} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets {@code context} up from the format and level in effect now. */
  static void apply(LoggerContext context) {
    context.getStatusManager().add(new NopStatusListener());
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(context);
    out.setName("stderr");
    out.setTarget("System.err");
    out.setEncoder(encoder(context, "json".equalsIgnoreCase(setting(FORMAT))));
    out.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(setting(LEVEL), Level.INFO));
    root.addAppender(out);
    context.getLogger("io.netty").setLevel(Level.WARN);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, boolean json) {
    if (json) {
      JsonEncoder e = new JsonEncoder();
      e.setContext(context);
      e.setWithSequenceNumber(false);
      e.setWithNanoseconds(false);
      e.setWithContext(false);
      e.setWithMessage(false);
      e.setWithArguments(false);
      e.setWithFormattedMessage(true);
      e.start();
      return e;
    }
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(TEXT);
    e.start();
    return e;
  }

  /** A system property first (set by an option), then the environment. */
  private static String setting(String name) {
    String v = System.getProperty(name);
    if (v == null) {
      v = System.getenv(name);
    }
    return v == null ? null : v.trim().toLowerCase(Locale.ROOT);
  }
}
