// Every screen a journey reaches goes through `screen()`: axe-core at both sizes (zero serious or
// critical violations) and a full-page screenshot at 360×740 (a cheap Android phone) and 1366×768
// (an office laptop) into artifacts/screens/.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from './paths';

export const SIZES = [
  { name: '360x740', width: 360, height: 740 },
  { name: '1366x768', width: 1366, height: 768 },
] as const;

const SCREENS = path.join(ARTIFACTS, 'screens');

type Violation = { id: string; impact?: string | null; help: string; nodes: { target: unknown }[] };

function describe(violations: Violation[]): string {
  return violations
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)
    .join('\n');
}

/** axe on the page as it is now: the serious and critical violations (the rest are reported). */
export async function axeSerious(page: Page, testInfo?: TestInfo, label = 'page'): Promise<Violation[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const all = results.violations as Violation[];
  const minor = all.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (minor.length && testInfo) {
    testInfo.annotations.push({ type: 'axe (minor/moderate)', description: `${label}: ${describe(minor)}` });
  }
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * One screen of a journey: checked with axe and photographed at both sizes; the viewport is put
 * back afterwards. `name` becomes the file name (journey-number-prefixed, e.g. "1-03-usulan-baru").
 */
export async function screen(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  fs.mkdirSync(SCREENS, { recursive: true });
  const before = page.viewportSize();
  try {
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      // the layout settles on the new size before the picture and the check
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const file = path.join(SCREENS, `${name}@${size.name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      const serious = await axeSerious(page, testInfo, `${name}@${size.name}`);
      expect(serious, `axe on ${name} at ${size.name}:\n${describe(serious)}`).toEqual([]);
    }
  } finally {
    if (before) await page.setViewportSize(before);
  }
}
