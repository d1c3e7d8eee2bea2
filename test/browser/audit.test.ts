/**
 * The accessibility and layout audit of every page (issue 19): each page's first states — no key
 * loaded, a key loaded, a prescription shown — in French and in English, on a laptop (1366×768)
 * and a 10-inch tablet (768×1024), and /patient on a 390 px phone too. Each state: nothing wider
 * than the screen, the header's controls on screen, every control labelled and no serious or
 * critical axe-core violation (`w.shot`), and a screenshot test/artifacts/audit-<page>-<state>-<lang>-<size>.png.
 * ORDO_SKIP_BROWSER=1 skips it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overflowX, skipBrowser, startWorld, VIEWPORTS, type World } from './support.js';

const DOCTOR = '10001234567';
const LILAS = '750000001';
const LANGS = [['fr-FR', 'fr'], ['en-GB', 'en']] as const;
const WIDE = [['laptop', VIEWPORTS.laptop], ['tablet', VIEWPORTS.tablet]] as const;
const ALL = [...WIDE, ['phone', VIEWPORTS.phone]] as const;

const rx = () => ({
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items: [
    { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 1, unit: 'boîte', supplyDays: 30, renewals: 2 },
    { code: { system: 'text', value: 'Amoxicilline 500 mg, gélule' }, label: 'Amoxicilline 500 mg, gélule', dosage: '1 gélule matin et soir pendant 6 jours', quantity: 2, unit: 'boîte' },
  ],
});

describe.skipIf(skipBrowser)('every page, audited', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  }, 60_000);
  afterAll(() => w?.close());

  /** The checks every state gets, then its screenshot. */
  async function audit(page: Page, name: string, width: number) {
    expect(await overflowX(page), `${name}: wider than the screen`).toBe(0);
    for (const control of await page.locator('header.top a, header.top button').all()) {
      const box = (await control.boundingBox())!;
      const label = `${name}: ${(await control.textContent()) ?? ''}`;
      expect(box, label).not.toBeNull();
      expect(box.x, label).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, label).toBeLessThanOrEqual(width);
    }
    await w.shot(page, name);
  }

  it('/prescribe: no key, a key loaded, a prescription issued', async () => {
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of WIDE) {
        const { page, context } = await w.openPage(locale, '/prescribe', viewport);
        await page.locator('section.key').waitFor();
        await audit(page, `audit-prescribe-nokey-${lang}-${size}`, viewport.width);
        await w.loadKey(page, DOCTOR);
        await page.locator('form.prescription').waitFor();
        await audit(page, `audit-prescribe-key-${lang}-${size}`, viewport.width);
        // Filled by the fields' names (the labels are the page's own business, in either language).
        await page.locator('input[name="family"]').fill('Martin');
        await page.locator('input[name="given"]').fill('Jeanne');
        await page.locator('input[name="birthDate"]').fill('1948-03-12');
        const line = page.locator('fieldset[data-line="0"]');
        await line.locator('input[name="code"]').fill('3400935955838');
        await line.locator('input[name="label"]').fill('Paracétamol 1 g, comprimé');
        await line.locator('input[name="dosage"]').fill('1 comprimé 3 fois par jour');
        await page.locator('form.prescription button[type="submit"]').click();
        await page.locator('article.sheet').waitFor({ timeout: 10_000 });
        await audit(page, `audit-prescribe-sheet-${lang}-${size}`, viewport.width);
        await context.close();
      }
    }
  }, 240_000);

  it('/counter: no key, a key loaded, a prescription claimed', async () => {
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of WIDE) {
        const issued = await w.as(DOCTOR).prescribe(rx());
        const { page, context } = await w.openPage(locale, '/counter', viewport);
        await page.locator('section.key').waitFor();
        await audit(page, `audit-counter-nokey-${lang}-${size}`, viewport.width);
        await w.loadKey(page, LILAS);
        await page.locator('input#scan').waitFor();
        await audit(page, `audit-counter-key-${lang}-${size}`, viewport.width);
        await page.locator('input#scan').fill(issued.payload);
        await page.locator('input#scan').press('Enter');
        await expect.poll(() => page.locator('.timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        await audit(page, `audit-counter-claimed-${lang}-${size}`, viewport.width);
        await context.close();
      }
    }
  }, 240_000);

  it('/patient: the code form, a prescription shown (phone too)', async () => {
    const issued = await w.as(DOCTOR).prescribe(rx());
    const pharmacy = w.as(LILAS);
    const claim = await pharmacy.claim(issued.code);
    await pharmacy.dispense(claim.claim.id, issued.id, [{ item: 0, quantity: 1 }, { item: 1, quantity: 0, reason: 'out_of_stock' }]);
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of ALL) {
        const { page, context } = await w.openPage(locale, '/patient', viewport);
        await page.locator('input#code').waitFor();
        await audit(page, `audit-patient-form-${lang}-${size}`, viewport.width);
        await page.locator('input#code').fill(issued.code);
        await page.locator('input#code').press('Enter');
        await expect.poll(() => page.locator('.timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        await audit(page, `audit-patient-shown-${lang}-${size}`, viewport.width);
        // A free-text line's code is its label: the table does not repeat it as "text Amoxicilline…".
        expect(await page.locator('table.items tr[data-item="1"] th .hint').textContent()).toBe('');
        expect(await page.locator('table.items tr[data-item="0"] th .hint').textContent()).toBe('CIP13 3400935955838');
        await context.close();
      }
    }
  }, 240_000);

  it('logged no console error', () => {
    expect(w.consoleErrors).toEqual([]);
  });
});
