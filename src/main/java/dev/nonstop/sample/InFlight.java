package dev.nonstop.sample;

import java.time.Duration;

/** Counts the requests being handled so that a stop can wait for them. Any thread. */
final class InFlight {
  private int count;

  synchronized void enter() {
    count++;
  }

  synchronized void exit() {
    if (--count == 0) {
      notifyAll();
    }
  }

  synchronized int count() {
    return count;
  }

  /** Returns true if the count reached zero within {@code timeout}. */
  synchronized boolean awaitZero(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
