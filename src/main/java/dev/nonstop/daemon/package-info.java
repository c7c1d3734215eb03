/**
 * What {@code nonstop up} runs: the {@link dev.nonstop.daemon.Daemon} holds what the process
 * shares (the proxy and its routes, the admin API, TLS, the state folder's lock, takeovers), and
 * one {@code App} per app of the file holds its fleet of servers, its state file and its
 * deployments, one at a time. Implements the admin API's {@link dev.nonstop.admin.Control}.
 */
package dev.nonstop.daemon;
