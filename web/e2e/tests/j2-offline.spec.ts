// Journey 2: with the browser context offline, a desa operator writes three usulan (kept on the
// device); back online they are sent; the API shows exactly three, each once.
import { expect, test } from '@playwright/test';
import { allPages, apiAs } from '../support/api';
import { signIn } from '../support/app';
import { screen } from '../support/screens';
import { seed } from '../support/seed';

test('journey 2: three usulan written offline are sent once each when the connection returns', async ({ page, context }, testInfo) => {
  const s = seed();
  const kamus = s.forum.usulan[3]!.kamus;
  const run = Date.now().toString(36);
  const api = await apiAs(s.users.desa_offline);
  const path = `/v1/musrenbang/${s.current_year}/usulan?desa=${s.desa.offline}`;
  const before = (await allPages<{ id: string }>(api, path)).length;

  await signIn(page, s.users.desa_offline);
  await page.getByRole('link', { name: 'Usulan baru' }).first().click();
  // the form once online: the kamus and region names are now on the device, and the app's
  // service worker has precached the app shell (every screen's code) before the signal goes
  await expect(page.locator('#kamus-list button').first()).toBeVisible();
  expect(await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.state;
  })).toBe('activated');

  await context.setOffline(true);
  const gagasan = [1, 2, 3].map((n) => `Usulan tanpa sinyal ${n} (e2e ${run})`);
  for (const [i, text] of gagasan.entries()) {
    if (i > 0) await page.getByRole('link', { name: 'Usulan baru' }).first().click();
    await expect(page.getByRole('heading', { name: 'Usulan baru' })).toBeVisible();
    await page.getByLabel('Jenis kegiatan (kamus usulan)').fill(kamus.split(' ')[1]!);
    await page.locator('#kamus-list button', { hasText: kamus }).first().click();
    await page.getByLabel(/^Volume/).fill(String(i + 1));
    await page.getByLabel('Permasalahan').fill('Ditulis saat tidak ada sinyal di lapangan');
    await page.getByLabel('Gagasan / usulan').fill(text);
    if (i === 0) await screen(page, testInfo, '2-01-usulan-baru-tanpa-sinyal');
    await page.getByRole('button', { name: 'Simpan di perangkat' }).click();
    await expect(page.locator('[data-testid="draft"]', { hasText: text })).toHaveAttribute('data-state', 'local');
  }
  await expect(page.locator('[data-testid="draft"][data-state="local"]')).toHaveCount(3);
  await screen(page, testInfo, '2-02-draf-di-perangkat');
  // nothing reached the server meanwhile
  expect((await allPages<{ id: string }>(api, path)).length).toBe(before);

  await context.setOffline(false);
  // sent: each leaves the device's drafts and is listed from the server with its tracking code
  await expect(page.locator('[data-testid="draft"]')).toHaveCount(0, { timeout: 150_000 });
  for (const text of gagasan) {
    await expect(page.getByTestId('usulan-list').locator('li', { hasText: text })).toHaveCount(1, { timeout: 60_000 });
  }
  await screen(page, testInfo, '2-03-draf-terkirim');

  const after = await allPages<{ id: string; gagasan: string; tracking_code: string }>(api, path);
  const mine = after.filter((u) => u.gagasan.endsWith(`(e2e ${run})`));
  expect(mine.map((u) => u.gagasan).sort()).toEqual([...gagasan].sort());
  expect(new Set(mine.map((u) => u.id)).size).toBe(3);
  expect(after.length).toBe(before + 3);
});
