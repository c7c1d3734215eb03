/**
 * What {@code nonstop up} runs: the proxy, the fleet of servers, one deployment at a time, the
 * state file and the admin API, wired together. Implements the admin API's
 * {@link dev.nonstop.admin.Control}.
 */
package dev.nonstop.daemon;
