// Steps the journeys share: signing in through the app's own form, a photo made by the browser.
import { createHash } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import { seed } from './seed';

/** Signs in through the sign-in screen (mouse and keyboard as a person would). */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/masuk');
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Kata sandi').fill(seed().password);
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await expect(page.getByRole('button', { name: /Keluar/ })).toBeVisible();
}

/** A JPEG photo of a few kilobytes drawn by the browser itself (no fixture file). */
export async function photo(page: Page, label: string): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const dataUrl = await page.evaluate((text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext('2d')!;
    const gradient = ctx.createLinearGradient(0, 0, 640, 480);
    gradient.addColorStop(0, '#2e7d32');
    gradient.addColorStop(1, '#795548');
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 640, 480);
    ctx.fillStyle = '#fff';
    ctx.font = '40px sans-serif';
    ctx.fillText(text, 40, 240);
    return canvas.toDataURL('image/jpeg', 0.85);
  }, label);
  return { name: `${label}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1]!, 'base64') };
}

/** Presses Tab until the focused element is `selector` (keyboard-only navigation). */
export async function tabTo(page: Page, selector: string, { max = 80, shift = false } = {}): Promise<void> {
  const target = page.locator(selector).first();
  await expect(target).toBeAttached();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${selector} in ${max} presses`);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
