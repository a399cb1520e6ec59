// Journey 1: a desa operator signs in, writes an usulan with a photo, sees its tracking code; the
// citizen page finds it by that code. Also completed with the keyboard alone.
import { expect, test } from '@playwright/test';
import { apiAs } from '../support/api';
import { photo, signIn, tabTo } from '../support/app';
import { screen } from '../support/screens';
import { seed } from '../support/seed';

test.describe('journey 1: desa usulan with a photo, found by its tracking code @short', () => {
  test('by mouse and keyboard', async ({ page, browser }, testInfo) => {
    const s = seed();
    const kamus = s.forum.usulan[0]!.kamus;
    await page.goto('/masuk');
    await expect(page.getByRole('heading', { name: 'Masuk ke E-Planning' })).toBeVisible();
    await screen(page, testInfo, '1-01-masuk');
    await signIn(page, s.users.desa);

    await expect(page.getByRole('heading', { name: 'Beranda desa' })).toBeVisible();
    await expect(page.getByTestId('window-state')).toContainText('Jendela sedang dibuka');
    await screen(page, testInfo, '1-02-beranda-desa');

    await page.getByRole('link', { name: 'Usulan baru' }).first().click();
    await expect(page.getByRole('heading', { name: 'Usulan baru' })).toBeVisible();
    await page.getByLabel('Jenis kegiatan (kamus usulan)').fill(kamus.split(' ')[1]!);
    await page.locator('#kamus-list button', { hasText: kamus }).first().click();
    await page.getByLabel(/^Volume/).fill('2');
    await expect(page.getByTestId('estimate')).toContainText('Rp');
    await page.getByLabel('Permasalahan').fill('Murid belajar tanpa perlengkapan yang cukup di dusun tiga');
    const gagasan = `Perlengkapan sekolah dusun tiga (e2e ${Date.now()})`;
    await page.getByLabel('Gagasan / usulan').fill(gagasan);
    await page.getByLabel('Nama pengusul').fill('Komite Sekolah Dusun Tiga');
    await page.getByLabel('Foto lokasi').setInputFiles(await photo(page, 'lokasi-1'));
    await expect(page.locator('.ep-photos img')).toHaveCount(1);
    await screen(page, testInfo, '1-03-usulan-baru');

    await page.getByRole('button', { name: 'Kirim usulan' }).click();
    const codeBox = page.getByTestId('tracking-code');
    await expect(codeBox).toHaveText(/^[2-9A-HJ-NP-Z]{8}$/);
    const code = (await codeBox.textContent())!.trim();
    await screen(page, testInfo, '1-04-usulan-terkirim');

    // the API has it once, with its photo
    const api = await apiAs(s.users.desa);
    const listed = await api.get(`/v1/musrenbang/${s.current_year}/usulan?desa=${s.desa.journey}&limit=200`);
    const mine = (await listed.json()).items.filter((u: { gagasan: string }) => u.gagasan === gagasan);
    expect(mine).toHaveLength(1);
    expect(mine[0].tracking_code).toBe(code);
    await expect.poll(async () => {
      const r = await api.get(`/v1/musrenbang/usulan/${mine[0].id}/lampiran`);
      return r.status() === 200 ? (await r.json()).items.length : `HTTP ${r.status()}`;
    }, { timeout: 60_000, message: 'the photo reaches the usulan' }).toBe(1);

    // the receipt ("bukti usulan") with its QR code to the public tracking page
    await page.getByRole('link', { name: 'Cetak bukti usulan' }).click();
    await expect(page.getByTestId('receipt-code')).toHaveText(code);
    const trackAt = (await page.getByText(/Lacak di /).textContent())!;
    const url = trackAt.slice(trackAt.indexOf('http')).trim();
    expect(url).toMatch(new RegExp(`/lacak/${code}$`));
    await screen(page, testInfo, '1-05-bukti-usulan');

    // a citizen, not signed in, opens the receipt's tracking address (what the QR code holds)
    const citizen = await browser.newContext();
    const c = await citizen.newPage();
    await c.goto(url);
    await expect(c.getByRole('heading', { name: `Usulan ${code}` })).toBeVisible();
    await expect(c.getByTestId('track-levels')).toContainText('Desa');
    await expect(c.getByTestId('tracked')).not.toContainText('Komite Sekolah Dusun Tiga'); // no personal data
    await screen(c, testInfo, '1-06-lacak-warga');
    await citizen.close();
  });

  test('with the keyboard only', async ({ page, browser }) => {
    const s = seed();
    const kamus = s.forum.usulan[2]!.kamus;
    await page.goto('/masuk');
    await tabTo(page, '#f-username');
    await page.keyboard.type(s.users.desa);
    await page.keyboard.press('Tab');
    await page.keyboard.type(s.password);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Beranda desa' })).toBeVisible();

    await tabTo(page, 'a[href="/usulan/baru"]');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Usulan baru' })).toBeVisible();
    await tabTo(page, '#f-kamus_item_id');
    await page.keyboard.type(kamus.split(' ')[1]!);
    await tabTo(page, `#kamus-list button:has-text("${kamus}")`);
    await page.keyboard.press('Enter');
    await expect(page.locator(`#kamus-list button[aria-pressed="true"]`)).toContainText(kamus);
    await tabTo(page, '#f-volume');
    await page.keyboard.type('1');
    await tabTo(page, '#f-permasalahan');
    await page.keyboard.type('Belum ada sarana di dusun empat');
    await tabTo(page, '#f-gagasan');
    const gagasan = `Sarana dusun empat lewat papan ketik (e2e ${Date.now()})`;
    await page.keyboard.type(gagasan);
    await tabTo(page, '[id="f-pengusul.nama"]');
    await page.keyboard.type('Warga Dusun Empat');
    await tabTo(page, '#f-lampiran');
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Space');
    await (await chooser).setFiles(await photo(page, 'papan-ketik'));
    await expect(page.locator('.ep-photos img')).toHaveCount(1);
    await tabTo(page, 'button[type="submit"]');
    await page.keyboard.press('Enter');
    const code = (await page.getByTestId('tracking-code').textContent())!.trim();
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);

    const citizen = await browser.newContext();
    const c = await citizen.newPage();
    await c.goto('/lacak');
    await tabTo(c, '#f-code');
    await c.keyboard.type(code.toLowerCase());
    await c.keyboard.press('Enter');
    await expect(c.getByRole('heading', { name: `Usulan ${code}` })).toBeVisible();
    await citizen.close();
  });
});
