/**
 * Active health checks: a {@link dev.nonstop.health.HealthChecker} probes each watched backend
 * with a plain HTTP GET and turns streaks of passes and failures into UP and DOWN through
 * {@code Backend.setHealth}. The streak logic ({@code RiseFall}) is pure; only the scheduler reads
 * the clock.
 */
package dev.nonstop.health;
