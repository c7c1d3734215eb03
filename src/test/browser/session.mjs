// What the browser scripts share: Debian's chromium, headless, in a throwaway profile; page errors
// and console errors collected as problems; the exit code (0: the steps passed with no problem,
// 1: a step failed, with a screenshot of the page next to the asked one).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const say = (line) => console.log(line);

// Runs steps(page, context) in a fresh browser; exits the process when they end.
export async function inBrowser(shot, steps) {
  const profile = mkdtempSync(join(tmpdir(), 'nonstop-chromium-'));
  const problems = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
    });
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
    await steps(page, context);
    if (problems.length) throw new Error(problems.join('\n'));
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    process.exit(0);
  } catch (e) {
    say('FAILED: ' + e.message);
    problems.forEach(say);
    try {
      const pages = context ? context.pages() : [];
      const page = pages[pages.length - 1];
      if (page) await page.screenshot({ path: shot.replace(/\.png$/, '-failed.png'), fullPage: true });
    } catch (ignored) { /* the browser is gone */ }
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    process.exit(1);
  }
}
