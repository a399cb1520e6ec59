// Network conditions through the Chrome DevTools Protocol (Chromium only).
import type { BrowserContext, Page } from '@playwright/test';

/**
 * "Slow 3G" as Chrome DevTools and Puppeteer define it: 500 kbit/s down and up at 80 % goodput,
 * 400 ms round trip × 5 (= 2 s of latency per request).
 */
export const SLOW_3G = {
  name: 'Slow 3G (Chrome DevTools preset)',
  offline: false,
  downloadThroughput: ((500 * 1000) / 8) * 0.8,
  uploadThroughput: ((500 * 1000) / 8) * 0.8,
  latency: 400 * 5,
};

export async function throttle(context: BrowserContext, page: Page, conditions = SLOW_3G): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: conditions.offline,
    downloadThroughput: conditions.downloadThroughput,
    uploadThroughput: conditions.uploadThroughput,
    latency: conditions.latency,
  });
}
