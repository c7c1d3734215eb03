package dev.nonstop.acme;

import java.nio.file.Path;
import java.util.List;

/** Told when a certificate is ready to serve, so the proxy can load it (again). */
@FunctionalInterface
public interface CertificateListener {
  /**
   * A certificate for {@code hosts} is in {@code chain} (PEM, the host's certificate first, then
   * the intermediates) with its private key in {@code key} (PEM, PKCS#8). Both files are complete
   * when this is called; a renewal replaces {@code chain} and keeps {@code key}.
   *
   * <p>Called on the thread that calls {@link AcmeCertificates#start()} for the certificates
   * found on disk, then on the certificates' own thread. An exception is logged and changes
   * nothing else.
   */
  void certificateReady(List<String> hosts, Path chain, Path key);
}
