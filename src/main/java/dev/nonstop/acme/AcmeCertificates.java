package dev.nonstop.acme;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.shredzone.acme4j.Login;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a certificate for each host name of its settings: one found on disk is served until its
 * renewal point, a missing or due one is ordered from the CA, and the {@link CertificateListener}
 * hears of each one ready to serve. A failed order is retried with a growing wait while the
 * current certificate keeps serving.
 *
 * <p>One certificate per host name rather than one per app: a name added or dropped leaves the
 * other certificates alone, a name whose DNS is not ready yet holds up no other name (an ACME
 * order fails as a whole), and the proxy picks a certificate by the exact SNI name.
 *
 * <p>Thread-safe. Orders run on a thread of its own (they block for seconds on the CA); only
 * that thread touches the certificates' state, and {@link #certificates()} reads a snapshot.
 */
public final class AcmeCertificates implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AcmeCertificates.class);

  private final AcmeSettings settings;
  private final CertificateListener listener;
  private final Clock clock;
  private final CertificateStore store;
  private final AcmeAccount account;
  private final CertificateOrder order;
  private final List<HostCertificate> hosts;
  private final ScheduledExecutorService thread;
  private volatile List<CertInfo> snapshot;
  private ScheduledFuture<?> next; // guarded by this
  private boolean started; // guarded by this
  private volatile boolean closed; // written under this

  /**
   * Nothing happens until {@link #start()}.
   *
   * @param challenges where the answers to the CA's challenges go, for the plain-HTTP listener
   * @param clock read before and after each order; the CA's own waits use the real time
   */
  public AcmeCertificates(AcmeSettings settings, Http01Challenges challenges, CertificateListener listener, Clock clock) {
    this.settings = requireNonNull(settings, "settings");
    this.listener = requireNonNull(listener, "listener");
    this.clock = requireNonNull(clock, "clock");
    this.store = new CertificateStore(settings.folder(), settings.directory());
    this.account = new AcmeAccount(settings, store);
    this.order = new CertificateOrder(requireNonNull(challenges, "challenges"), settings.timing());
    Instant now = clock.instant();
    this.hosts = settings.hosts().stream().map(h -> new HostCertificate(h, now)).toList();
    this.snapshot = hosts.stream().map(HostCertificate::info).toList();
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nonstop-acme");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Creates the folder, hands each valid certificate found on disk to the listener (on this
   * thread, before returning), then orders the missing and due ones on the certificates' thread.
   *
   * @throws UncheckedIOException naming the folder when it cannot be created
   */
  public synchronized void start() {
    if (started || closed) {
      throw new IllegalStateException(closed ? "closed" : "already started");
    }
    started = true;
    load();
    schedule(Duration.ZERO);
  }

  /** Each certificate's hosts, expiry, last error and next order, as of the last change. */
  public List<CertInfo> certificates() {
    return snapshot;
  }

  /** Stops ordering; an order under way is interrupted. The files stay. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (next != null) {
        next.cancel(/* mayInterruptIfRunning= */ true);
      }
    }
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("an ACME order did not stop within 10s of close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the certificates on disk; called once, before the certificates' thread starts. */
  void load() {
    try {
      store.create();
    } catch (IOException e) {
      throw new UncheckedIOException("ACME folder " + store.dir() + " cannot be created: " + e, e);
    }
    Instant now = clock.instant();
    for (HostCertificate host : hosts) {
      store.load(host.host()).ifPresent(issued -> {
        host.found(issued);
        boolean expired = !issued.notAfter().isAfter(now);
        log.info("certificate for {} found in {}: serial {}, {} {}, renewal {}", host.host(), store.chainFile(host.host()),
            issued.serial(), expired ? "expired at" : "valid until", issued.notAfter(),
            host.due(now) ? "due now" : "from " + issued.renewAt());
        if (!expired) {
          tell(host.host());
        }
      });
    }
    publish();
  }

  /**
   * One pass: orders the certificates that are due, one after the other. Returns how long to
   * wait before the next pass: until the next one is due, at most {@code checkEvery}.
   */
  Duration renewDue() throws InterruptedException {
    Instant now = clock.instant();
    for (HostCertificate host : hosts) {
      if (host.due(now)) {
        attempt(host);
        publish();
      }
    }
    Instant soonest = hosts.stream().map(HostCertificate::nextAttempt).min(Instant::compareTo).orElseThrow();
    Duration wait = Duration.between(clock.instant(), soonest);
    Duration most = settings.timing().checkEvery();
    return wait.isNegative() ? Duration.ZERO : wait.compareTo(most) > 0 ? most : wait;
  }

  private void attempt(HostCertificate host) throws InterruptedException {
    String name = host.host();
    boolean renewal = host.current().isPresent();
    log.info("{} the certificate for {} from {}", renewal ? "renewing" : "ordering", name, settings.directory());
    try {
      Issued issued = obtain(host);
      Instant now = clock.instant();
      host.issued(issued, now, settings.timing().firstRetry());
      log.info("certificate for {} {}: serial {}, valid until {}, renewal from {}, in {}", name, renewal ? "renewed" : "issued",
          issued.serial(), issued.notAfter(), issued.renewAt(), store.chainFile(name));
      if (!issued.renewAt().isAfter(now)) {
        log.warn("certificate for {} is due for renewal as soon as issued (valid {} to {}, clock says {}): is the clock right?"
            + " next order at {}", name, issued.notBefore(), issued.notAfter(), now, host.nextAttempt());
      }
      tell(name);
    } catch (OrderException e) {
      failed(host, e);
    } catch (RuntimeException e) {
      failed(host, OrderException.at("ordering", e));
    }
  }

  private void failed(HostCertificate host, OrderException e) throws InterruptedException {
    if (closed) {
      throw new InterruptedException("closed"); // acme4j turns an interrupt into an I/O error
    }
    account.forget();
    Instant now = clock.instant();
    host.failed(e.getMessage(), now, settings.timing(), e.retryAfter());
    log.warn("certificate for {} not obtained ({} failure{} in a row): {}; next try at {} (in {}); {}", host.host(), host.failures(),
        host.failures() == 1 ? "" : "s", e.getMessage(), host.nextAttempt(), words(Duration.between(now, host.nextAttempt())),
        host.current().map(c -> c.notAfter().isAfter(now)
            ? "the current one, valid until " + c.notAfter() + ", keeps serving"
            : "the current one expired at " + c.notAfter()).orElse("there is none to serve yet"));
  }

  /** A new certificate for {@code host}, with its current key or a new one. */
  private Issued obtain(HostCertificate host) throws OrderException, InterruptedException {
    String name = host.host();
    Login login = account.login();
    KeyPair key;
    try {
      key = host.current().isPresent() ? host.current().get().key() : store.newDomainKey(name);
    } catch (IOException e) {
      throw OrderException.at("writing the key " + store.keyFile(name), e);
    }
    List<X509Certificate> chain = order.obtain(login, name, key);
    try {
      store.saveChain(name, chain);
    } catch (IOException e) {
      throw OrderException.at("writing the certificate " + store.chainFile(name), e);
    }
    return new Issued(chain, key);
  }

  private void tell(String host) {
    try {
      listener.certificateReady(List.of(host), store.chainFile(host), store.keyFile(host));
    } catch (RuntimeException e) {
      log.error("certificate listener failed for {}", host, e);
    }
  }

  private void publish() {
    snapshot = hosts.stream().map(HostCertificate::info).toList();
  }

  private void run() {
    Duration wait;
    try {
      wait = renewDue();
    } catch (InterruptedException e) {
      return; // closed
    } catch (RuntimeException e) {
      log.error("ACME certificates: unexpected failure; next look in {}", words(settings.timing().checkEvery()), e);
      wait = settings.timing().checkEvery();
    }
    schedule(wait);
  }

  private synchronized void schedule(Duration wait) {
    if (!closed) {
      next = thread.schedule(this::run, wait.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** 1h30m, 45s. */
  private static String words(Duration d) {
    Duration seconds = d.truncatedTo(ChronoUnit.SECONDS);
    return seconds.isZero() ? d.toMillis() + "ms" : seconds.toString().substring(2).toLowerCase(Locale.ROOT);
  }
}
