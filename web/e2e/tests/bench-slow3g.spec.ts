// A benchmark, not a test of a time limit: the desa operator's home loaded for the first time
// (empty cache, no service worker yet) over an emulated slow 3G connection (CDP network
// throttling). Writes artifacts/slow3g.json and .md; the target is under 5 s.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { signIn } from '../support/app';
import { SLOW_3G, throttle } from '../support/network';
import { ARTIFACTS } from '../support/paths';
import { seed } from '../support/seed';

test('benchmark: desa home first load over slow 3G', async ({ browser }) => {
  test.setTimeout(240_000);
  const s = seed();
  // signed in once (the refresh cookie), in a context of its own
  const first = await browser.newContext();
  await signIn(await first.newPage(), s.users.desa);
  const state = await first.storageState();
  await first.close();

  const context = await browser.newContext({ storageState: { cookies: state.cookies, origins: [] }, serviceWorkers: 'block' });
  const page = await context.newPage();
  await throttle(context, page, SLOW_3G);
  let bytes = 0;
  let requests = 0;
  page.on('response', async (r) => {
    requests++;
    const length = Number(r.headers()['content-length'] ?? 0);
    bytes += Number.isFinite(length) ? length : 0;
  });
  const started = Date.now();
  await page.goto('/', { waitUntil: 'commit' });
  await expect(page.getByRole('heading', { name: 'Beranda desa' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('window-state')).toBeVisible({ timeout: 120_000 });
  // interactive: the content is there and the main thread is free again (a frame gets painted)
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));
  const interactive = Date.now() - started;
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const scripts = performance.getEntriesByType('resource').filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script');
    return {
      domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
      load: Math.round(nav.loadEventEnd),
      firstContentfulPaint: fcp ? Math.round(fcp.startTime) : null,
      scriptTransferBytes: scripts.reduce((n, e) => n + (e as PerformanceResourceTiming).transferSize, 0),
    };
  });
  await context.close();
  const result = {
    measured_at: new Date().toISOString(),
    network: SLOW_3G,
    page: 'desa operator home (/), first load: empty cache, no service worker, signed in by the refresh cookie',
    time_to_interactive_ms: interactive,
    ...timing,
    responses: requests,
    response_bytes_declared: bytes,
    target_ms: 5000,
  };
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'slow3g.json'), JSON.stringify(result, null, 1));
  fs.writeFileSync(path.join(ARTIFACTS, 'slow3g.md'), [
    '# Desa home, first load over slow 3G',
    '',
    `Network: ${SLOW_3G.name}: ${SLOW_3G.downloadThroughput * 8 / 1000} kbit/s down, ${SLOW_3G.latency} ms latency.`,
    '',
    '| measure | ms |', '|---|---|',
    `| time to interactive (home heading and Musrenbang window shown, app answering) | ${interactive} |`,
    `| first contentful paint | ${timing.firstContentfulPaint ?? '—'} |`,
    `| DOMContentLoaded | ${timing.domContentLoaded} |`,
    `| load | ${timing.load} |`,
    '',
    `Script bytes transferred: ${timing.scriptTransferBytes}; ${requests} responses. Target: under 5000 ms (a benchmark, not a test).`,
    '',
  ].join('\n'));
  console.log(`slow 3G: desa home interactive after ${interactive} ms (target 5000 ms)`);
});
