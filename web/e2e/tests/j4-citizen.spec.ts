// Journey 4: the citizen pages after a small cycle (harness/seed.py played the previous year whole):
// tracking an usulan through every level to the agencies' follow-up, the published RKPD with its
// downloads checked against their SHA-256, the pokir register, open data, and the charts.
import { expect, request, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../support/app';
import { ARTIFACTS, BASE_URL } from '../support/paths';
import { screen } from '../support/screens';
import { seed } from '../support/seed';

test.describe('journey 4: citizen pages @short', () => {
  test('tracking, RKPD downloads, pokir register, open data, charts', async ({ page }, testInfo) => {
    const s = seed();
    const year = s.cycle_year;

    // tracking by code, from the form (the QR code opens /lacak/<code> directly)
    await page.goto('/lacak');
    await expect(page.getByRole('heading', { name: 'Lacak usulan' })).toBeVisible();
    await screen(page, testInfo, '4-01-lacak');
    await page.getByLabel('Kode lacak').fill('ABCD2345');
    await page.getByRole('button', { name: 'Lacak' }).click();
    await expect(page.getByText('Kode lacak ABCD2345 tidak ditemukan')).toBeVisible();
    await page.getByLabel('Kode lacak').fill(s.tracked_code.toLowerCase());
    await page.getByRole('button', { name: 'Lacak' }).click();
    await expect(page).toHaveURL(new RegExp(`/lacak/${s.tracked_code}$`));
    await expect(page.getByRole('heading', { name: `Usulan ${s.tracked_code}` })).toBeVisible();
    const levels = page.getByTestId('track-levels').locator('tbody tr');
    await expect(levels).toHaveCount(3);
    for (const level of ['Desa', 'Kecamatan', 'Kabupaten']) await expect(page.getByTestId('track-levels')).toContainText(level);
    await expect(page.getByTestId('track-follow-up').locator('li').first()).toBeVisible();
    await expect(page.getByTestId('outcome')).not.toContainText('Masih berproses');
    await screen(page, testInfo, '4-02-lacak-hasil');

    // the published RKPD: every file downloads and hashes to the SHA-256 the page shows
    await page.getByRole('link', { name: `Lihat RKPD ${year} yang diterbitkan` }).click();
    await expect(page.getByRole('heading', { name: new RegExp(`^RKPD .* tahun ${year}$`) })).toBeVisible();
    const nomor = s.rkpd.nomor;
    await expect(page.getByTestId(`rkpd-version-${nomor}`)).toBeVisible();
    await expect(page.getByText(`sha256sum rkpd_${s.pemda}_${year}_v${nomor}.pdf`)).toBeVisible();
    await screen(page, testInfo, '4-03-rkpd');
    for (const fmt of ['pdf', 'xlsx', 'html', 'json']) {
      const shown = (await page.getByTestId(`sha256-${nomor}-${fmt}`).textContent())!.trim();
      expect(shown).toBe(s.rkpd.files[fmt]!.sha256);
      const download = page.waitForEvent('download');
      await page.getByTestId(`download-${nomor}-${fmt}`).click();
      const file = await download;
      const saved = path.join(ARTIFACTS, 'downloads', file.suggestedFilename());
      await file.saveAs(saved);
      expect(sha256(fs.readFileSync(saved)), `${fmt} hashes to the SHA-256 shown`).toBe(shown);
    }

    // the citizens' entry page: pick the regency and the year
    await page.getByRole('link', { name: 'Data publik' }).click();
    await expect(page.getByRole('heading', { name: 'Data perencanaan untuk warga' })).toBeVisible();
    await screen(page, testInfo, '4-04-data-publik');
    await page.getByLabel('Tahun rencana').fill(String(year));
    await page.getByRole('button', { name: 'Tampilkan' }).click();
    await expect(page.getByTestId(`rkpd-version-${nomor}`)).toBeVisible();

    // the pokir register: every delivered pokir of the year
    await page.getByRole('link', { name: 'Pokir DPRD' }).click();
    const api = await request.newContext({ baseURL: BASE_URL });
    const register = await (await api.get(`/v1/public/pokir/${s.pemda}/${year}`)).json();
    expect(register.items.length).toBeGreaterThan(0);
    await expect(page.getByTestId('pokir-table').locator('tbody tr')).toHaveCount(register.items.length);
    await screen(page, testInfo, '4-05-pokir');

    // open data: the CSV downloads, with a header line
    await page.getByRole('link', { name: 'Data terbuka' }).click();
    await expect(page.getByTestId('open-usulan-csv')).toBeVisible();
    await screen(page, testInfo, '4-06-data-terbuka');
    const csv = page.waitForEvent('download');
    await page.getByTestId('open-usulan-csv').click();
    const csvFile = await csv;
    const csvPath = path.join(ARTIFACTS, 'downloads', csvFile.suggestedFilename());
    await csvFile.saveAs(csvPath);
    expect(fs.readFileSync(csvPath, 'utf-8').split('\r\n')[0]).toContain('tracking_code');

    // the charts render (Chart.js loaded only now), each with something drawn
    const chartjs = page.waitForResponse((r) => /\/assets\/chartjs-[^/]+\.js$/.test(r.url()));
    await page.getByRole('link', { name: 'Grafik' }).click();
    await chartjs;
    for (const id of ['usulan', 'urusan', 'kecamatan']) {
      const canvas = page.getByTestId(`canvas-${id}`);
      await expect(canvas).toBeVisible();
      await expect.poll(() => canvas.evaluate((el: HTMLCanvasElement) => {
        const ctx = el.getContext('2d')!;
        const { data } = ctx.getImageData(0, 0, el.width, el.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return painted;
      }), { message: `chart ${id} has bars drawn` }).toBeGreaterThan(1000);
    }
    await screen(page, testInfo, '4-07-grafik');
    await api.dispose();
  });
});
