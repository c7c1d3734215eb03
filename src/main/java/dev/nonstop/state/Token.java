package dev.nonstop.state;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret that admin API clients must present: 32 random bytes as hex in {@code admin.token},
 * readable by its owner only (mode 0600 from the moment it exists).
 */
public final class Token {
  static final String FILE_NAME = "admin.token";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Token() {}

  /**
   * The token in {@code stateDir/admin.token}, created (with the folder) when there is none.
   * Safe against another process creating it at the same moment: both get the same token.
   */
  public static String loadOrCreate(Path stateDir) {
    requireNonNull(stateDir, "stateDir");
    Path file = stateDir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("admin token " + file + " cannot be read or created: " + e, e);
    }
  }

  private static void create(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    byte[] hex = (HexFormat.of().formatHex(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
    Path temp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp", ownerOnly());
    try {
      StateStore.writeAndForce(temp, hex);
      // a link appears complete or not at all, and fails rather than replace a token that another
      // process created meanwhile
      Files.createLink(file, temp);
    } catch (FileAlreadyExistsException e) {
      // lost the race: use theirs
    } finally {
      Files.deleteIfExists(temp);
    }
    StateStore.forceFolder(dir);
  }

  private static String read(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
    if (token.isEmpty()) {
      throw new IOException("it is empty (expected: a hex token; delete the file to get a new one)");
    }
    return token;
  }

  private static FileAttribute<?>[] ownerOnly() {
    if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
    };
  }
}
