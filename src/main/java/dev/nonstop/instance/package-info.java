/**
 * Starting and stopping the app's server processes: a {@link dev.nonstop.instance.Release} runs as
 * {@link dev.nonstop.instance.Instance}s, one per slot, which a {@link dev.nonstop.instance.Driver}
 * starts from a {@link dev.nonstop.instance.LaunchSpec} and stops with a signal, then KILL.
 */
package dev.nonstop.instance;
