/**
 * What survives a restart: one JSON document per {@link dev.nonstop.state.StateStore}, written so
 * that a crash leaves the old or the new document and never half of one, and the admin
 * {@link dev.nonstop.state.Token}.
 */
package dev.nonstop.state;
