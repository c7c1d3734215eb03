/**
 * What the daemon shows about itself: Prometheus meters fed from the proxy's request listener, a
 * per-second series by release for the dashboard's charts, and the feed of every deployment's
 * events. The proxy's event loops only increment meters registered beforehand.
 */
package dev.nonstop.metrics;
