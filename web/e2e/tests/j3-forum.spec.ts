// Journey 3: a kecamatan operator scores, sees the ranking, accepts one usulan with a change (the
// original kept), merges its duplicate, rejects one with a reason (required), accepts the last,
// closes the forum and downloads the berita acara with its SHA-256.
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { apiAs } from '../support/api';
import { sha256, signIn } from '../support/app';
import { ARTIFACTS } from '../support/paths';
import { screen } from '../support/screens';
import { seed } from '../support/seed';

async function openUsulan(page: Page, code: string) {
  await page.getByRole('link', { name: 'Usulan', exact: true }).click();
  await page.getByTestId(`forum-item-${code}`).getByRole('link').click();
  await expect(page.getByTestId('forum-code')).toHaveText(code);
}

test('journey 3: the kecamatan forum scores, ranks, decides, closes and issues the berita acara', async ({ page }, testInfo) => {
  const s = seed();
  const [a, b, c, d] = s.forum.usulan as [typeof s.forum.usulan[0], typeof s.forum.usulan[0], typeof s.forum.usulan[0], typeof s.forum.usulan[0]];
  await signIn(page, s.users.kecamatan);
  await page.getByRole('link', { name: 'Forum kecamatan' }).click();
  await expect(page.getByTestId('forum-list')).toBeVisible();
  for (const u of s.forum.usulan) await expect(page.getByTestId(`forum-item-${u.tracking_code}`)).toBeVisible();
  await screen(page, testInfo, '3-01-forum-usulan');

  // filters: likely duplicates only -> the two alike usulan; then one desa
  await page.getByLabel('Hanya yang ditandai kemungkinan duplikat').check();
  await page.getByRole('button', { name: 'Terapkan' }).click();
  await expect(page.getByTestId(`forum-item-${a.tracking_code}`)).toBeVisible();
  await expect(page.getByTestId(`forum-item-${b.tracking_code}`)).toBeVisible();
  await expect(page.getByTestId(`forum-item-${c.tracking_code}`)).toHaveCount(0);
  await screen(page, testInfo, '3-02-forum-saringan-duplikat');
  await page.getByLabel('Hanya yang ditandai kemungkinan duplikat').uncheck();
  await page.getByLabel('Desa/kelurahan').selectOption(c.desa);
  await page.getByRole('button', { name: 'Terapkan' }).click();
  await expect(page.getByTestId('forum-count')).toHaveText('1 usulan');
  await page.getByLabel('Desa/kelurahan').selectOption('');
  await page.getByRole('button', { name: 'Terapkan' }).click();

  // duplicates side by side
  await page.getByRole('link', { name: 'Kemungkinan duplikat' }).click();
  await expect(page.getByTestId('dup-pair').first()).toContainText(a.tracking_code);
  await screen(page, testInfo, '3-03-duplikat');

  // scores: d highest, then a, c, b
  const scores: Record<string, number[]> = { [d.key]: [5, 5, 5], [a.key]: [4, 4, 4], [c.key]: [3, 3, 2], [b.key]: [2, 2, 2] };
  for (const u of [a, b, c, d]) {
    await openUsulan(page, u.tracking_code);
    for (const [i, crit] of s.criteria.entries()) {
      await page.getByLabel(new RegExp(`^${crit.name} \\(bobot`)).fill(String(scores[u.key]![i]));
    }
    if (u === a) await screen(page, testInfo, '3-04-usulan-penilaian');
    await page.getByRole('button', { name: 'Simpan nilai' }).click();
    await expect(page.getByTestId('scored')).toContainText('Nilai tersimpan');
  }
  await page.getByRole('link', { name: 'Peringkat' }).click();
  const rows = page.getByTestId('ranking').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText(d.tracking_code);
  await expect(rows.nth(1)).toContainText(a.tracking_code);
  await screen(page, testInfo, '3-05-peringkat');

  // a: accepted with a change (volume 10 -> 6), the original kept
  await openUsulan(page, a.tracking_code);
  await page.getByLabel('Diterima dengan perubahan').check();
  await page.getByLabel(/^Volume baru/).fill('6');
  await expect(page.getByTestId('forum-estimate')).toContainText('Rp');
  await page.getByLabel('Alasan').fill('Disesuaikan dengan jumlah murid yang terdata');
  await screen(page, testInfo, '3-06-keputusan-perubahan');
  await page.getByRole('button', { name: 'Simpan keputusan' }).click();
  await expect(page.getByTestId('decided')).toContainText('Diterima dengan perubahan');
  await expect(page.getByTestId('forum-original')).toContainText('10');

  // b: merged into a
  await openUsulan(page, b.tracking_code);
  await page.getByLabel('Digabung ke usulan lain').check();
  await page.getByLabel('Digabung ke usulan', { exact: true }).selectOption({ value: a.id });
  await page.getByLabel('Alasan').fill('Sama dengan usulan kelompok tani di dusun dua');
  await page.getByRole('button', { name: 'Simpan keputusan' }).click();
  await expect(page.getByTestId('decided')).toContainText('Digabung');

  // c: rejected; without a reason the form says what to do
  await openUsulan(page, c.tracking_code);
  await page.getByLabel('Ditolak').check();
  await page.getByRole('button', { name: 'Simpan keputusan' }).click();
  await expect(page.locator('.govuk-error-summary')).toContainText('Tulis alasan keputusan ini');
  await screen(page, testInfo, '3-07-keputusan-tolak-tanpa-alasan');
  await page.getByLabel('Alasan').fill('Sudah dibiayai APBDes tahun berjalan');
  await page.getByRole('button', { name: 'Simpan keputusan' }).click();
  await expect(page.getByTestId('decided')).toContainText('Ditolak');

  // d: accepted
  await openUsulan(page, d.tracking_code);
  await page.getByLabel('Diterima', { exact: true }).check();
  await page.getByRole('button', { name: 'Simpan keputusan' }).click();
  await expect(page.getByTestId('decided')).toContainText('Diterima');

  // the API agrees
  const api = await apiAs(s.users.kecamatan);
  const state = async (id: string) => (await (await api.get(`/v1/musrenbang/usulan/${id}`)).json());
  const ua = await state(a.id);
  expect(ua.status_per_level.kecamatan).toBe('diterima dengan perubahan');
  expect([ua.volume, ua.current_volume]).toEqual(['10', '6']);
  expect((await state(b.id)).merged_into).toBe(a.id);
  const uc = await state(c.id);
  expect(uc.decisions.find((x: { level: string }) => x.level === 'kecamatan').reason).toBe('Sudah dibiayai APBDes tahun berjalan');

  // close the forum
  await page.getByRole('link', { name: 'Tutup forum' }).click();
  await expect(page.getByTestId('pending')).toHaveCount(0);
  await page.getByLabel('Tempat').fill('Aula Kantor Camat');
  await page.getByLabel('Jumlah peserta').fill('45');
  await page.getByLabel('Pimpinan forum (boleh kosong)').fill('Camat');
  await screen(page, testInfo, '3-08-tutup-forum');
  await page.getByRole('button', { name: 'Tutup forum dan terbitkan berita acara' }).click();

  // the berita acara: viewed, printed (A4), downloaded with its SHA-256
  const doc = page.getByTestId('berita-acara');
  await expect(doc).toContainText('BERITA ACARA MUSRENBANG KECAMATAN');
  await expect(page.getByTestId('ba-keputusan')).toContainText(a.tracking_code);
  const digest = (await page.getByTestId('ba-digest').textContent())!.trim();
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  await screen(page, testInfo, '3-09-berita-acara');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: path.join(ARTIFACTS, 'screens', '3-10-berita-acara-cetak.png'), fullPage: true });
  await page.pdf({ path: path.join(ARTIFACTS, 'berita-acara-A4.pdf'), format: 'A4', preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  const download = page.waitForEvent('download');
  await page.getByTestId('ba-download').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`berita_acara_${s.forum.kecamatan}_${s.current_year}.md`);
  const saved = path.join(ARTIFACTS, file.suggestedFilename());
  await file.saveAs(saved);
  expect(sha256(fs.readFileSync(saved))).toBe(digest);
  await expect(page.getByTestId('ba-downloaded')).toContainText(`✓ SHA-256 ${digest}`);
});
