package dev.nonstop.state;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Keeps one JSON document in a folder, written atomically (temp file, fsync, rename, fsync of the
 * folder) so that a crash leaves either the old or the new document. (Contract only: lands with the
 * state work.)
 */
public final class StateStore<T> {

  public StateStore(Path file, Class<T> type) {
    throw new UnsupportedOperationException("not built yet");
  }

  public Optional<T> load() {
    throw new UnsupportedOperationException();
  }

  public void save(T document) {
    throw new UnsupportedOperationException();
  }
}
