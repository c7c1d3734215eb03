/**
 * The control plane: a strategy ({@link dev.nonstop.deploy.InPlace}, {@link dev.nonstop.deploy.BlueGreen},
 * {@link dev.nonstop.deploy.Canary}) turns the live release and a target into a
 * {@link dev.nonstop.deploy.Plan} of printable {@link dev.nonstop.deploy.Step}s; a
 * {@link dev.nonstop.deploy.Rollout} puts the hooks and the bake around it; a
 * {@link dev.nonstop.deploy.Deployment} runs it on the {@link dev.nonstop.deploy.Fleet} of servers,
 * streams events and ends with a report. Its {@link dev.nonstop.deploy.Guard} has the
 * {@link dev.nonstop.deploy.Judge} compare the new release with the old one from the proxy's own
 * counts ({@link dev.nonstop.deploy.Traffic}) and fails the deployment at the first bad
 * {@link dev.nonstop.deploy.Verdict}.
 */
package dev.nonstop.deploy;
