package dev.nonstop.proxy;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * What the process does when it runs out of memory: it exits at once, with one clear last line,
 * so that a supervisor starts it again. A proxy whose event loops died of an OutOfMemoryError
 * still holds its listening socket and accepts connections it never answers: the worst outcome.
 */
public final class Fatal {
  /** The exit status after an OutOfMemoryError. */
  public static final int EXIT_STATUS = 3;

  private static final java.util.concurrent.atomic.AtomicBoolean HALTING =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Fatal() {}

  /**
   * Makes every thread's uncaught OutOfMemoryError end the process; other uncaught throwables
   * go to the handler that was there before (or are printed, as the JVM would).
   */
  public static void install() {
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      exitOnOutOfMemory(e);
      if (before != null) {
        before.uncaughtException(t, e);
      } else {
        System.err.print("Exception in thread \"" + t.getName() + "\" ");
        e.printStackTrace();
      }
    });
  }

  /** Ends the process if {@code t}, or any of its causes, is an OutOfMemoryError. */
  public static void exitOnOutOfMemory(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof OutOfMemoryError) {
        halt(System.err, "out of memory (" + c.getMessage() + ")");
      }
    }
  }

  /**
   * Ends the process now, after one last line on {@code err}: no shutdown hook runs. Other
   * threads' later writes to System.err (a log line or stack trace of the same error, seen by
   * another event loop) go nowhere from here on, and one already being written ends before this
   * line, so the line is the last one.
   */
  static void halt(PrintStream err, String why) {
    if (!HALTING.compareAndSet(false, true)) {
      // another thread says why and halts: its line is the one (two event loops can meet the
      // same shortage at once, or a loop can die of it while the other reports it)
      while (true) {
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          // the halt comes
        }
      }
    }
    try {
      if (err == System.err) {
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
      }
      err.println("nonstop: fatal: " + why + "; exiting so that a supervisor can restart it");
      err.flush();
    } finally {
      Runtime.getRuntime().halt(EXIT_STATUS);
    }
  }

  /**
   * {@code task}, ending the process on an OutOfMemoryError: the event loops catch and log what a
   * scheduled task throws, so it would not reach the uncaught-exception handler.
   */
  static Runnable guard(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable e) {
        exitOnOutOfMemory(e);
        throw e;
      }
    };
  }
}
