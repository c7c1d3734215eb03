package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.admin.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client command in a JVM of its own, as from a terminal, against a real admin server: what it
 * loads is what it costs to start, so the heavy parts the daemon needs must stay out of it.
 */
class ClientStartTest extends AgainstAdminServer {
  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void configAndAnswers() throws IOException {
    file = dir.resolve("nonstop.yml");
    Files.writeString(file, """
        app: hello
        listen: 127.0.0.1:8080
        admin: %s
        run: java -jar hello.jar --port={port}
        state: state
        """.formatted(server.address().getHostString() + ":" + server.address().getPort()));
    Files.createDirectories(dir.resolve("state"));
    Files.writeString(dir.resolve("state").resolve(Target.TOKEN_FILE), TOKEN + "\n");
    control.status = Json.mapper().readTree(ReadingCommandsTest.STATUS);
  }

  private record Run(int code, String out, List<String> loaded) {}

  private Run run(String... args) throws IOException, InterruptedException {
    Path classes = dir.resolve("classes.log");
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-Xlog:class+load=info:file=" + classes + ":none",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> loaded = Files.readAllLines(classes).stream().map(line -> line.split(" ", 2)[0]).toList();
    return new Run(p.exitValue(), out, loaded);
  }

  @Test
  void statusStartsWithoutLogbackTlsAnObjectMapperOrTheOtherCommands() throws Exception {
    Run status = run("status", "-f", file.toString());

    assertThat(status.code()).as(status.out()).isZero();
    assertThat(status.out()).startsWith("hello: 1.0.2 live (previous 1.0.1)");
    assertThat(status.loaded()).contains(Main.class.getName());
    assertThat(status.loaded()).filteredOn(c -> c.startsWith("ch.qos.logback.classic.")).isEmpty();
    assertThat(status.loaded()).filteredOn(c -> c.startsWith("sun.security.ssl.") || c.startsWith("java.net.http.")).isEmpty();
    assertThat(status.loaded()).doesNotContain("com.fasterxml.jackson.databind.ObjectMapper");
    // picocli builds a command's model when it is added, creating its converters
    assertThat(status.loaded()).doesNotContain(DeployCommand.StrategyConverter.class.getName());
  }
}
