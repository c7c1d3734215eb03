/**
 * Automatic certificates: {@link dev.nonstop.acme.AcmeCertificates} obtains one certificate per
 * host name from an ACME CA (Let's Encrypt, or any RFC 8555 server) with the HTTP-01 challenge,
 * keeps keys and certificates under the state folder, renews them well before expiry and tells a
 * {@link dev.nonstop.acme.CertificateListener} whenever one is ready. The proxy's plain-HTTP
 * listener answers the CA's challenge requests from {@link dev.nonstop.acme.Http01Challenges}.
 * The ACME protocol itself is acme4j's.
 */
package dev.nonstop.acme;
