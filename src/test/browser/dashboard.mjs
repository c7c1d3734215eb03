// Drives the dashboard in Debian's chromium while a deploy runs:
//   node dashboard.mjs 'http://127.0.0.1:PORT/#token=TOKEN' target/dashboard.png
// Prints what it saw, one line a step; exits 0 when the page followed the deploy and a rollback
// clicked on it, 1 otherwise (with a screenshot of the failure next to the asked one).
import { inBrowser, say } from './session.mjs';

const [url, shot = 'target/dashboard.png'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node dashboard.mjs URL [SCREENSHOT]');
  process.exit(2);
}

async function liveRelease(page) {
  return page.evaluate(() => {
    const live = document.querySelector('.group[data-role=live]');
    if (!live) return null;
    const versions = [...live.querySelectorAll('.server')].map((s) => s.dataset.version);
    return versions.length && versions.every((v) => v === live.dataset.release) ? live.dataset.release : null;
  });
}

async function waitLive(page, release, timeout) {
  await page.waitForFunction((r) => {
    const live = document.querySelector('.group[data-role=live]');
    return live && live.dataset.release === r
        && [...live.querySelectorAll('.server')].every((s) => s.dataset.version === r);
  }, release, { timeout });
}

await inBrowser(shot, async (page, context) => {
  page.setDefaultTimeout(90_000);

  await page.goto(url);
  await page.waitForSelector('.group[data-role=live] .server');
  if (page.url().includes('token=')) throw new Error('the token stayed in the address: ' + page.url());
  say('signed in; live: ' + await liveRelease(page));

  await page.waitForSelector('#timeline li.running, #timeline li.done');
  const running = await page.locator('#timeline-state').textContent();
  say('saw the deploy running: ' + running + ' (' + await page.locator('#timeline li').count() + ' steps)');

  await waitLive(page, '1.0.2', 90_000);
  say('live: 1.0.2');
  await page.waitForSelector('.group[data-role=old][data-release="1.0.1"]');
  say('1.0.1 kept warm');
  await page.waitForSelector('#history tr.report-row[data-id] td.result-done');
  await page.waitForFunction(() => document.querySelectorAll('[data-legend] span').length > 0);
  await page.waitForFunction(() => [...document.querySelectorAll('.group[data-role=live] .server')]
      .every((s) => !s.textContent.includes('…')));
  await page.screenshot({ path: shot.replace(/\.png$/, '-deployed.png'), fullPage: true });

  await page.click('#rollback');
  say('clicked rollback');
  await waitLive(page, '1.0.1', 60_000);
  say('live: 1.0.1');
  await page.waitForFunction(() => /rollback .*done/.test(document.querySelector('#timeline-state').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#history tr.report-row').length >= 2);
  await page.waitForTimeout(2500); // one more series poll so the charts show the switch back
  await page.screenshot({ path: shot, fullPage: true });
  say('screenshot ' + shot);
  const anonymous = await context.newPage();
  await anonymous.goto(url.replace(/#.*$/, ''));
  await anonymous.waitForSelector('#signin:not(.hidden)');
  await anonymous.fill('#token', 'not-the-token');
  await anonymous.click('#signin button');
  await anonymous.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('refused'));
  say('without the token: asks for it, refuses a wrong one');
  await anonymous.close();
});
