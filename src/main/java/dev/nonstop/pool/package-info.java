/**
 * The data plane's model: {@link dev.nonstop.pool.Backend}s with admin state and health, the
 * immutable {@link dev.nonstop.pool.Pool} that requests read through one atomic reference, and the
 * {@link dev.nonstop.pool.Selector} that picks a backend per request. Knows nothing of deployments.
 */
package dev.nonstop.pool;
