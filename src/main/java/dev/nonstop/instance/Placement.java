package dev.nonstop.instance;

/** Where a new server goes: which app, release and slot, on which port. */
record Placement(String app, Release release, int slot, int port) {
  Placement {
    if (slot < 1) {
      throw new IllegalArgumentException("slot: " + slot + " (expected: >= 1)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
    }
  }

  /** e.g. {@code hello-1.0.2-3} */
  String id() {
    return app + "-" + release.version() + "-" + slot;
  }

  /** e.g. {@code hello-1.0.2-3-9003.log}: the port too, so a restarted slot keeps its old log. */
  String logFileName() {
    return id() + "-" + port + ".log";
  }

  String fill(String word) {
    return word.replace("{version}", release.version())
        .replace("{port}", Integer.toString(port))
        .replace("{instance}", Integer.toString(slot));
  }
}
