package dev.nonstop.state;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Keeps one JSON document in a folder, written atomically (temp file, fsync, rename, fsync of the
 * folder) so that a crash leaves either the old or the new document.
 *
 * <p>{@code T} is a record or bean of plain types: strings, numbers, booleans, enums, lists, maps
 * and nested records. There is no java.time support (jackson-datatype-jsr310 is not on the class
 * path): keep instants as epoch millis or ISO strings and durations as millis. Unknown properties
 * are ignored on load, so a newer Nonstop may add fields.
 *
 * <p>Thread-safe: saves are serialized; a load sees the last complete save. Leftover temp files of
 * an interrupted save ({@code .NAME.*.tmp}) are never read.
 */
public final class StateStore<T> {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path file;
  private final Class<T> type;

  public StateStore(Path file, Class<T> type) {
    this.file = requireNonNull(file, "file").toAbsolutePath().normalize();
    this.type = requireNonNull(type, "type");
    if (this.file.getParent() == null) {
      throw new IllegalArgumentException("file: '" + file + "' (expected: a file inside a folder)");
    }
  }

  public Path file() {
    return file;
  }

  /**
   * The saved document, or empty when none was saved yet.
   *
   * @throws UncheckedIOException naming the file when it cannot be read or is not a valid
   *     document; the file is left as it is so that no history is lost
   */
  public Optional<T> load() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("state file " + file + " cannot be read: " + e, e);
    }
    try {
      T document = JSON.readValue(bytes, type);
      if (document == null) {
        throw new IOException("it holds null");
      }
      return Optional.of(document);
    } catch (IOException e) {
      String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
      throw new UncheckedIOException(
          "state file " + file + " is corrupt: " + why
              + " (expected: a " + type.getSimpleName()
              + " as JSON; move the file away to start afresh)",
          e);
    }
  }

  /** Replaces the document; when this returns, the new one is on disk. */
  public synchronized void save(T document) {
    requireNonNull(document, "document");
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(document);
    } catch (IOException e) {
      throw new IllegalArgumentException("document: " + type.getSimpleName() + " (expected: writable as JSON)", e);
    }
    try {
      write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("state file " + file + " cannot be written: " + e, e);
    }
  }

  private void write(byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    replace(file, bytes);
  }

  /**
   * Replaces {@code file} with {@code bytes} so that a reader, or a crash at any moment, sees the
   * old content or the new, never a mix: a temporary file beside it (created with {@code
   * attributes}, such as an owner-only mode), forced to disk, renamed over it, and the folder
   * forced so that the rename lasts too.
   */
  public static void replace(Path file, byte[] bytes, FileAttribute<?>... attributes)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp", attributes);
    try {
      writeAndForce(temp, bytes);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    forceFolder(dir);
  }

  static void writeAndForce(Path path, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  /** Makes the rename itself durable. Best effort: some systems cannot open a folder. */
  static void forceFolder(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the rename is atomic anyway; only its durability across a power cut is weaker
    }
  }

  @Override
  public String toString() {
    return "StateStore(" + file + ")";
  }
}
