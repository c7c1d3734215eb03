package dev.nonstop.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One GET with the Host field a test chooses, on a connection of its own. */
final class HostClient {
  /** The status code, the release that answered (its X-Version field) and the body. */
  record Answer(int status, String version, String body) {}

  private HostClient() {}

  static Answer get(InetSocketAddress proxy, String host, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(proxy, 5_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(all.substring(9, 12));
      int body = all.indexOf("\r\n\r\n");
      java.util.regex.Matcher v = java.util.regex.Pattern.compile("(?i)\r\nX-Version: *([^\r]*)").matcher(all);
      return new Answer(status, v.find() && v.start() < body ? v.group(1) : null,
          body < 0 ? "" : all.substring(body + 4));
    }
  }
}
