/**
 * The control plane: a strategy ({@link dev.nonstop.deploy.InPlace}, {@link dev.nonstop.deploy.BlueGreen})
 * turns the live release and a target into a {@link dev.nonstop.deploy.Plan} of printable
 * {@link dev.nonstop.deploy.Step}s; a {@link dev.nonstop.deploy.Deployment} runs it on the
 * {@link dev.nonstop.deploy.Fleet} of servers, streams events and ends with a report.
 */
package dev.nonstop.deploy;
