// End-to-end journeys of the web app: Playwright driving Debian's Chromium (`/usr/bin/chromium`;
// Playwright's own browser download is not used) against the real stack that global-setup.ts starts
// the way `make up` does (harness/e2e_stack.py). `make e2e` runs everything; `make test` runs the
// journeys tagged @short (tests/integration/test_web_e2e.py).
import { defineConfig } from '@playwright/test';
import { ARTIFACTS, BASE_URL } from './support/paths';

const chromium = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
// Chromium's sandbox needs user namespaces, which a root user (CI here) does not get
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export default defineConfig({
  testDir: './tests',
  outputDir: `${ARTIFACTS}/test-results`,
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  // one browser at a time: the journeys share one stack (and the machine is small); each journey
  // waits on real conditions (an element, an API answer), never on a fixed sleep
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['html', { outputFolder: `${ARTIFACTS}/report`, open: 'never' }]],
  use: {
    baseURL: BASE_URL,
    viewport: { width: 360, height: 740 },
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: asRoot ? ['--no-sandbox'] : [],
    },
  },
  projects: [{ name: 'chromium' }],
});
