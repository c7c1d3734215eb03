package dev.nonstop.daemon;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API of a real {@code up} bounds the time and bytes of a request (the JDK reads those
 * limits once per process, so only a process of its own shows them).
 */
class AdminRequestLimitsTest {
  @TempDir Path dir;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private UpProcess up;
  private int admin;

  @BeforeEach
  void start() throws IOException {
    Path file = dir.resolve("nonstop.yml");
    Files.writeString(file, Fixture.yaml(1, ""));
    up = UpProcess.live(file, "--version", "1.0.1");
    admin = ConfigLoader.load(file).admin().getPort();
  }

  @AfterEach
  void stop() {
    ticker.shutdownNow();
    up.close();
  }

  @Test
  void aRequestThatTakesLongerThanTenSecondsToArriveIsCutOff() throws Exception {
    try (Socket s = new Socket("127.0.0.1", admin)) {
      s.getOutputStream().write("GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(US_ASCII));
      ticker.scheduleAtFixedRate(() -> {
        try {
          s.getOutputStream().write('a');
        } catch (IOException e) {
          // cut off
        }
      }, 0, 1, TimeUnit.SECONDS);
      long t0 = System.nanoTime();

      assertThat(end(s).get(30, TimeUnit.SECONDS)).isEmpty();
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isBetween(8L, 15L);
    }
  }

  @Test
  void headersOverSixteenKibibytesAreRefused() throws Exception {
    try (Socket s = new Socket("127.0.0.1", admin)) {
      s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20 * 1024) + "\r\n\r\n")
          .getBytes(US_ASCII));

      assertThat(end(s).get(10, TimeUnit.SECONDS)).doesNotStartWith("HTTP/1.1 200");
    }
  }

  /** What the server sent before it closed the connection (a reset counts as a close). */
  private static CompletableFuture<String> end(Socket s) {
    return CompletableFuture.supplyAsync(() -> {
      StringBuilder got = new StringBuilder();
      try {
        InputStream in = s.getInputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
          got.append((char) b);
        }
      } catch (IOException e) {
        // reset: closed all the same
      }
      return got.toString();
    });
  }
}
