/**
 * The {@code nonstop} command line (picocli). {@code up}, {@code proxy} and {@code demo} run in
 * this process; every other command is a thin client of the admin API: it parses, makes one call
 * and renders the answer.
 */
package dev.nonstop.cli;
