/** The demo story and the steady load it (and the tests) run during deploys. */
package dev.nonstop.demo;
