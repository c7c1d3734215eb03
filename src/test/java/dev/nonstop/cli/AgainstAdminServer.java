package dev.nonstop.cli;

import dev.nonstop.admin.AdminServer;
import dev.nonstop.admin.FakeControl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real admin server on 127.0.0.1:0 answering for a {@link FakeControl}, and the CLI aimed at it. */
abstract class AgainstAdminServer {
  static final String TOKEN = "t0ken";
  final FakeControl control = new FakeControl();
  AdminServer server;
  Cli cli;

  @BeforeEach
  void startAdminServer() throws IOException {
    server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), TOKEN, control);
    cli = new Cli(new Target(server.address(), TOKEN, Path.of("nonstop.yml")));
  }

  @AfterEach
  void stopAdminServer() {
    server.close();
  }
}
