/**
 * Reads {@code nonstop.yml} into a validated {@link dev.nonstop.config.Config}: one
 * {@link dev.nonstop.config.AppConfig} per app ({@code apps:}, or the file's one app). A bad file is
 * refused before anything starts, with {@code file:line:column: what was wrong (expected: ...)}:
 * the YAML is read as a stream into a small tree that remembers where each key and value stood
 * ({@code YamlTree}), and each {@code Section} of the file reads typed values from it.
 */
package dev.nonstop.config;
