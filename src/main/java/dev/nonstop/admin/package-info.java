/**
 * The admin API: an HTTP server that checks the bearer token, parses a request, makes one call on
 * {@link dev.nonstop.admin.Control} and renders the answer as JSON, or streams a deployment's
 * events as NDJSON. The CLI's commands other than {@code up} are its clients.
 */
package dev.nonstop.admin;
