// Drives the dashboard of a nonstop that runs several apps, in Debian's chromium:
//   node apps.mjs 'http://127.0.0.1:PORT/#token=TOKEN' SCREENSHOT web=1.0.1 api=2.0.1
// Shows each app in turn through the page's app selector and checks that its live release is
// the one given. Prints what it saw, one line a step; exits 0 when every app showed its own.
import { inBrowser, say } from './session.mjs';

const [url, shot, ...pairs] = process.argv.slice(2);
if (!url || !shot || !pairs.length) {
  console.error('usage: node apps.mjs URL SCREENSHOT APP=RELEASE...');
  process.exit(2);
}
const expected = pairs.map((p) => p.split('='));

async function waitLive(page, release) {
  await page.waitForFunction((r) => {
    const live = document.querySelector('.group[data-role=live]');
    return live && live.dataset.release === r && live.querySelectorAll('.server').length > 0
        && [...live.querySelectorAll('.server')].every((s) => s.dataset.version === r);
  }, release);
}

await inBrowser(shot, async (page) => {
  page.setDefaultTimeout(60_000);

  await page.goto(url);
  await page.waitForSelector('#app-select:not(.hidden) option', { state: 'attached' });
  const names = await page.$$eval('#app-select option', (os) => os.map((o) => o.value));
  say('apps: ' + names.join(' '));
  for (const [app, release] of expected) {
    if (await page.locator('#app-select').inputValue() !== app) {
      await Promise.all([page.waitForNavigation(), page.selectOption('#app-select', app)]);
    }
    await page.waitForFunction((a) => document.querySelector('#app').textContent === a, app);
    if (await page.locator('#signin').isVisible()) throw new Error('asked for the token again after choosing ' + app);
    await waitLive(page, release);
    await page.waitForSelector('#conn.on'); // its live updates come
    say(`app ${app} live: ${release}`);
  }
  await page.screenshot({ path: shot, fullPage: true });
  say('screenshot ' + shot);
});
