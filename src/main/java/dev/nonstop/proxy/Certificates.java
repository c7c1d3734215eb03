package dev.nonstop.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's TLS certificates, each a PEM certificate chain with its PEM private key, chosen per
 * connection by the name the client asks for (SNI): an exact name of a certificate's subject
 * alternative names first, then a wildcard one ({@code *.example.com} covers one label), else the
 * first certificate. Thread-safe: a lookup reads one immutable table; {@link #reload} and {@link
 * #put} build a new one and swap it, so a handshake under way keeps the context it started with.
 *
 * <p>TLS 1.3 and 1.2 only, with the engine's default (forward-secret, AEAD) cipher suites;
 * BoringSSL through netty-tcnative where its native library loads, the JDK's engine otherwise.
 * ALPN offers {@code h2} (when HTTP/2 is on) and {@code http/1.1}.
 */
public final class Certificates implements Mapping<String, SslContext> {
  private static final Logger log = LoggerFactory.getLogger(Certificates.class);

  /** A certificate chain file and its key file, both PEM. */
  public record Source(Path cert, Path key) {
    public Source {
      requireNonNull(cert, "cert");
      requireNonNull(key, "key");
    }
  }

  /** What a status page shows of one certificate. */
  public record Info(Path file, List<String> names, Instant notAfter) {}

  /** One loaded certificate: its files' stamps, to notice a change, and its context. */
  private record Loaded(Source source, String stamp, SslContext context, List<String> names,
      Instant notAfter) {}

  /** Immutable: what a lookup reads. */
  private record Table(List<Loaded> all, Map<String, SslContext> exact,
      Map<String, SslContext> wildcard) {
    /** The default certificate's context; null while there is none (ACME's first order). */
    SslContext first() {
      return all.isEmpty() ? null : all.get(0).context;
    }
  }

  private final boolean http2;
  private final SslProvider provider;
  private volatile Table table;

  private Certificates(boolean http2, SslProvider provider, List<Loaded> loaded) {
    this.http2 = http2;
    this.provider = provider;
    this.table = index(loaded);
  }

  /**
   * Loads every source; the first is the default for clients that name no host, or one no
   * certificate covers.
   *
   * @param http2 whether ALPN offers {@code h2} before {@code http/1.1}
   * @throws IllegalArgumentException naming the file and what was expected, if a file is missing,
   *     holds no PEM certificate or key, or the key is not the certificate's
   */
  public static Certificates load(List<Source> sources, boolean http2) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("no TLS certificate given (expected: at least one "
          + "certificate file with its key file)");
    }
    SslProvider provider = provider();
    List<Loaded> loaded = new ArrayList<>();
    for (Source s : sources) {
      loaded.add(build(s, http2, provider));
    }
    return new Certificates(http2, provider, loaded);
  }

  /**
   * No certificate yet: ACME brings them ({@link #put}). Until the first comes, handshakes fail
   * and the connection closes.
   */
  public static Certificates none(boolean http2) {
    return new Certificates(http2, provider(), List.of());
  }

  /** BoringSSL when netty-tcnative's library loads here, else the JDK's engine. */
  static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /** The engine's name, for the log: which TLS library serves. */
  public String engine() {
    return provider == SslProvider.OPENSSL ? OpenSsl.versionString() + " (netty-tcnative)"
        : "the JDK's engine (netty-tcnative did not load: "
            + (OpenSsl.unavailabilityCause() == null ? "unknown"
                : OpenSsl.unavailabilityCause().getMessage()) + ")";
  }

  @Override
  public SslContext map(String host) {
    Table t = table;
    if (host == null || host.isEmpty()) {
      return t.first();
    }
    String name = host.toLowerCase(Locale.ROOT);
    SslContext c = t.exact.get(name);
    if (c == null) {
      int dot = name.indexOf('.');
      if (dot > 0) {
        c = t.wildcard.get(name.substring(dot + 1));
      }
    }
    return c != null ? c : t.first();
  }

  /**
   * Reads again every certificate whose files changed (modification time, size or inode), and
   * serves the new ones from now on; a pair that does not load (half written, or a key that is not
   * the certificate's) keeps the old one serving and is logged. Connections open are untouched.
   *
   * @return how many certificates were replaced
   */
  public int reload() {
    synchronized (this) {
      Table t = table;
      List<Loaded> next = new ArrayList<>(t.all.size());
      int changed = 0;
      for (Loaded l : t.all) {
        String stamp;
        try {
          stamp = stamp(l.source);
        } catch (IOException e) {
          log.warn("TLS certificate {} cannot be read ({}): the one loaded before keeps serving",
              l.source.cert, e.toString());
          next.add(l);
          continue;
        }
        if (stamp.equals(l.stamp)) {
          next.add(l);
          continue;
        }
        try {
          Loaded fresh = build(l.source, http2, provider);
          next.add(fresh);
          changed++;
          log.info("TLS certificate {} reloaded: {}, valid until {}", l.source.cert, fresh.names,
              fresh.notAfter);
        } catch (IllegalArgumentException e) {
          log.warn("TLS certificate {} changed but does not load: {}; the one loaded before keeps "
              + "serving", l.source.cert, e.getMessage());
          next.add(l);
        }
      }
      if (changed > 0) {
        table = index(next);
      }
      return changed;
    }
  }

  /**
   * Adds a certificate, or replaces the one loaded from the same certificate file (an ACME
   * renewal); serves it from now on.
   *
   * @throws IllegalArgumentException as {@link #load}
   */
  public void put(Source source) {
    Loaded fresh = build(source, http2, provider);
    synchronized (this) {
      List<Loaded> next = new ArrayList<>(table.all);
      next.removeIf(l -> l.source.cert.equals(source.cert));
      next.add(fresh);
      table = index(next);
    }
  }

  /** Every certificate served, with its names and expiry. */
  public List<Info> info() {
    List<Info> out = new ArrayList<>();
    for (Loaded l : table.all) {
      out.add(new Info(l.source.cert, l.names, l.notAfter));
    }
    return out;
  }

  private static Table index(List<Loaded> all) {
    Map<String, SslContext> exact = new HashMap<>();
    Map<String, SslContext> wildcard = new HashMap<>();
    for (Loaded l : all) {
      for (String n : l.names) {
        if (n.startsWith("*.")) {
          wildcard.putIfAbsent(n.substring(2), l.context);
        } else {
          exact.putIfAbsent(n, l.context);
        }
      }
    }
    return new Table(List.copyOf(all), Map.copyOf(exact), Map.copyOf(wildcard));
  }

  private static String stamp(Source s) throws IOException {
    return stamp(s.cert) + "|" + stamp(s.key);
  }

  private static String stamp(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
    return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
  }

  private static Loaded build(Source s, boolean http2, SslProvider provider) {
    String stamp;
    X509Certificate leaf;
    try {
      stamp = stamp(s);
      leaf = leaf(s.cert);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("TLS: no such file: " + e.getFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS: cannot read " + s.cert + " or " + s.key + ": " + e);
    }
    SslContext ctx;
    try {
      ctx = SslContextBuilder.forServer(s.cert.toFile(), s.key.toFile())
          .sslProvider(provider)
          .protocols("TLSv1.3", "TLSv1.2")
          .applicationProtocolConfig(alpn(http2))
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("TLS: " + s.cert + " with " + s.key + " does not load ("
          + rootMessage(e) + "); expected a PEM certificate chain and its PEM private key "
          + "(PKCS#8, or PKCS#1 RSA / SEC1 EC)");
    }
    String mismatch = handshakeProblem(ctx);
    if (mismatch != null) {
      ReferenceCountUtil.release(ctx);
      throw new IllegalArgumentException("TLS: the key " + s.key + " does not go with the "
          + "certificate " + s.cert + " (a test handshake failed: " + mismatch + ")");
    }
    return new Loaded(s, stamp, ctx, names(leaf), leaf.getNotAfter().toInstant());
  }

  private static ApplicationProtocolConfig alpn(boolean http2) {
    List<String> offered = http2
        ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
        : List.of(ApplicationProtocolNames.HTTP_1_1);
    return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, offered);
  }

  private static X509Certificate leaf(Path cert) throws IOException {
    try (InputStream in = Files.newInputStream(cert)) {
      Collection<? extends java.security.cert.Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("TLS: " + cert + " holds no certificate (expected: "
            + "PEM, -----BEGIN CERTIFICATE-----)");
      }
      return (X509Certificate) chain.iterator().next();
    } catch (CertificateException e) {
      throw new IllegalArgumentException("TLS: " + cert + " holds no readable certificate ("
          + e.getMessage() + "; expected: PEM, -----BEGIN CERTIFICATE-----)");
    }
  }

  /** The DNS names of the certificate's subject alternative names, lower case; else its CN. */
  static List<String> names(X509Certificate c) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> alt = c.getSubjectAlternativeNames();
      if (alt != null) {
        for (List<?> entry : alt) {
          if (Objects.equals(entry.get(0), 2)) { // dNSName
            names.add(entry.get(1).toString().toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateException e) {
      // no usable names: the CN below
    }
    if (names.isEmpty()) {
      String dn = c.getSubjectX500Principal().getName();
      for (String part : dn.split(",")) {
        if (part.startsWith("CN=")) {
          names.add(part.substring(3).toLowerCase(Locale.ROOT));
        }
      }
    }
    return List.copyOf(names);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /**
   * A handshake in memory against the context, with a client that trusts anything: it fails if
   * the key is not the certificate's (the server's signature does not verify). Null when it works.
   */
  private static String handshakeProblem(SslContext server) {
    SslContext client = null;
    SSLEngine s = null;
    SSLEngine c = null;
    try {
      client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
          .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
      s = server.newEngine(UnpooledByteBufAllocator.DEFAULT);
      c = client.newEngine(UnpooledByteBufAllocator.DEFAULT);
      ByteBuffer toServer = ByteBuffer.allocate(64 * 1024);
      ByteBuffer toClient = ByteBuffer.allocate(64 * 1024);
      ByteBuffer app = ByteBuffer.allocate(64 * 1024);
      ByteBuffer none = ByteBuffer.allocate(0);
      c.beginHandshake();
      s.beginHandshake();
      for (int round = 0; round < 50; round++) {
        if (finished(c) && finished(s)) {
          return null;
        }
        step(c, none, toServer, toClient, app);
        step(s, none, toClient, toServer, app);
      }
      return "it did not finish";
    } catch (SSLException | RuntimeException e) {
      return rootMessage(e);
    } finally {
      ReferenceCountUtil.release(s);
      ReferenceCountUtil.release(c);
      ReferenceCountUtil.release(client);
    }
  }

  private static boolean finished(SSLEngine e) {
    SSLEngineResult.HandshakeStatus h = e.getHandshakeStatus();
    return h == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
        || h == SSLEngineResult.HandshakeStatus.FINISHED;
  }

  /** One engine's turn: takes what the peer sent, runs its tasks, sends what it has. */
  private static void step(SSLEngine e, ByteBuffer none, ByteBuffer out, ByteBuffer in,
      ByteBuffer app) throws SSLException {
    in.flip();
    while (in.hasRemaining()) {
      SSLEngineResult r = e.unwrap(in, app);
      app.clear();
      runTasks(e);
      if (r.bytesConsumed() == 0) {
        break;
      }
    }
    in.compact();
    while (true) {
      SSLEngineResult r = e.wrap(none, out);
      runTasks(e);
      if (r.bytesProduced() == 0) {
        break;
      }
    }
  }

  private static void runTasks(SSLEngine e) {
    Runnable task;
    while ((task = e.getDelegatedTask()) != null) {
      task.run();
    }
  }
}
