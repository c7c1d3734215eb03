/**
 * A small HTTP server used by the demo and the tests: it answers with its version, can start
 * slowly, fail to start or never become healthy, and drains in-flight requests on SIGTERM. JDK
 * only, so that it runs from the bare classes folder.
 */
package dev.nonstop.sample;
