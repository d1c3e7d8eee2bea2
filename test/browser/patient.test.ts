/**
 * /patient in Chromium (as test/browser/story.test.ts): what is left and from when, in words; the
 * code as text for reading it out; a print sheet; the evidence bundle as a download that
 * `ordo verify` accepts; the states a patient may find (cancelled with its reason, expired,
 * completed); the timeline in words. On a 390 px phone, a 10-inch tablet and a laptop, in French
 * and in English, every state audited by axe-core (`w.shot`). ORDO_SKIP_BROWSER=1 skips it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, cip13, decodeDataMatrix, overflowX, skipBrowser, startWorld, VIEWPORTS, type World } from './support.js';

const DOCTOR = '10001234567';
const LILAS = '750000001';
const root = join(import.meta.dirname, '..', '..');

const paracetamol = { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 1, unit: 'boîte', supplyDays: 30, renewals: 2 };
const amoxicilline = { code: { system: 'CIP13', value: cip13('340093000002') }, label: 'Amoxicilline 500 mg, gélule', dosage: '1 gélule matin et soir', quantity: 2, unit: 'boîte' };
const rx = (items: object[], over: Record<string, unknown> = {}) => ({
  prescriber: { name: 'Dr Claire Roussel', profession: 'médecin' },
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items,
  ...over,
});

const LANGS = [['fr-FR', 'fr'], ['en-GB', 'en']] as const;
const SIZES = Object.entries(VIEWPORTS) as [keyof typeof VIEWPORTS, { width: number; height: number }][];

/** The day and month of an instant as the page writes it (Europe/Paris, as the browser contexts). */
const dayMonth = (locale: string, iso: string) => new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'long', timeZone: 'Europe/Paris' });

/** The PDF's page count (Chromium writes one uncompressed /MediaBox a page). */
const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/MediaBox \[/g)?.length ?? 0;

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

async function shown(page: Page) {
  await expect.poll(() => page.locator('.timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
}

/** The page fits its viewport: nothing sideways, the header's controls on screen. */
async function fits(page: Page, width: number) {
  expect(await overflowX(page), 'page wider than the viewport').toBe(0);
  for (const control of await page.locator('header.top a, header.top button').all()) {
    const box = (await control.boundingBox())!;
    expect(box.x, await control.textContent() ?? '').toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, await control.textContent() ?? '').toBeLessThanOrEqual(width);
  }
}

describe.skipIf(skipBrowser)('/patient in Chromium', () => {
  let w: World;
  /** Paracétamol paced (1 box every 30 days, 3 in all), 1 dispensed; Amoxicilline: out of stock once, then both boxes. */
  let paced: { id: string; code: string; payload: string; nextDueAt: string };

  beforeAll(async () => {
    w = await startWorld();
    const issued = await w.as(DOCTOR).prescribe(rx([paracetamol, amoxicilline]));
    const pharmacy = w.as(LILAS);
    const first = await pharmacy.claim(issued.code);
    await pharmacy.dispense(first.claim.id, issued.id, [{ item: 0, quantity: 1 }, { item: 1, quantity: 0, reason: 'out_of_stock' }]);
    const second = await pharmacy.claim(issued.code);
    const done = await pharmacy.dispense(second.claim.id, issued.id, [{ item: 1, quantity: 2 }]);
    expect(done.nextDueAt).not.toBeNull();
    paced = { id: issued.id, code: issued.code, payload: issued.payload, nextDueAt: done.nextDueAt! };
  }, 60_000);
  afterAll(() => w?.close());

  it('on a 390 px phone, in both languages: nothing sideways, the language button on screen, the code as text, what is left and from when', async () => {
    // formatWhen: "vendredi 1 janvier 2027 à 05:33" / "Friday, 1 January 2027 at 05:33" (the year when not this year's).
    const when = { fr: `\\p{L}+ ${dayMonth('fr-FR', paced.nextDueAt)}( \\d{4})? à \\d\\d:\\d\\d`, en: `\\p{L}+,? ${dayMonth('en-GB', paced.nextDueAt)}( \\d{4})?,? at \\d\\d:\\d\\d` };
    const words = {
      fr: {
        next: new RegExp(`^Prochaine délivrance possible à partir du ${when.fr}\\.$`, 'u'),
        left: [new RegExp(`^Il reste 2 boîtes de Paracétamol 1 g, comprimé, à partir du ${when.fr}\\.$`, 'u'), /^Amoxicilline 500 mg, gélule : tout a été délivré\.$/],
      },
      en: {
        next: new RegExp(`^Next delivery possible from ${when.en}\\.$`, 'u'),
        left: [new RegExp(`^Paracétamol 1 g, comprimé: 2 boîtes left, from ${when.en}\\.$`, 'u'), /^Amoxicilline 500 mg, gélule: all dispensed\.$/],
      },
    };
    for (const [locale, lang] of LANGS) {
      const { page, context } = await w.openPage(locale, `/patient#${paced.code}`, VIEWPORTS.phone);
      await shown(page);
      await fits(page, VIEWPORTS.phone.width);
      expect(await page.getByTestId('code-text').textContent()).toBe(paced.code);
      expect((await page.locator('.next-due').textContent())?.trim()).toMatch(words[lang].next);
      const left = await texts(page, 'ul.left > li');
      expect(left).toHaveLength(2);
      left.forEach((text, n) => expect(text.trim()).toMatch(words[lang].left[n]!));
      await w.shot(page, `patient-phone-${lang}`);
      // The code is on screen only: not in the address bar, not in storage.
      expect(page.url()).toBe(`${w.base}/patient`);
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
      expect(stored).not.toContain(paced.code.replace(/-/g, '').slice(0, 16));
      await context.close();
    }
  });

  it('the timeline and the items table in words: reasons, quantities, plural forms, no internal code', async () => {
    const want = {
      fr: { dispensed: [['1 boîte de Paracétamol 1 g, comprimé', 'Amoxicilline 500 mg, gélule : non délivré (rupture de stock)'], ['2 boîtes d’Amoxicilline 500 mg, gélule']], prescribed: ['1 boîte pour 30 jours', '2 boîtes'], prescriber: 'Prescripteur : Dr Claire Roussel' },
      en: { dispensed: [['Paracétamol 1 g, comprimé: 1 boîte', 'Amoxicilline 500 mg, gélule: not dispensed (out of stock)'], ['Amoxicilline 500 mg, gélule: 2 boîtes']], prescribed: ['1 boîte for 30 days', '2 boîtes'], prescriber: 'Prescriber: Dr Claire Roussel' },
    };
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of SIZES) {
        const { page, context } = await w.openPage(locale, `/patient#${paced.code}`, viewport);
        await shown(page);
        await fits(page, viewport.width);
        const dispensed = page.locator('.timeline > ol > li[data-type="dispensed"]');
        expect(await dispensed.count()).toBe(2);
        expect([await dispensed.nth(0).locator('li').allTextContents(), await dispensed.nth(1).locator('li').allTextContents()]).toEqual(want[lang].dispensed);
        expect((await texts(page, 'table.items tbody td.prescribed')).map((s) => s.trim())).toEqual(want[lang].prescribed);
        expect(await page.locator('.summary').textContent()).toContain(want[lang].prescriber);
        if (lang === 'en') expect(await page.locator('main').innerText()).not.toMatch(/\w :/); // no French space before a colon in English
        // Today's events: the time alone.
        for (const time of await texts(page, '.timeline time')) expect(time).toMatch(/^\d\d:\d\d$/);
        const text = await page.locator('main').innerText();
        expect(text).not.toMatch(/\((issued|claimed|released|claim_expired|dispensed|cancelled|code_rotated|expired|dispense_corrected)\)|\b[a-z]+_[a-z_]+\b|événement n°|event #|\d j\b|\b1 boîtes|\b[2-9] boîte\b| de A/);
        await w.shot(page, `patient-timeline-${lang}-${size}`);
        await context.close();
      }
    }
  }, 240_000);

  it('prints the code as DataMatrix and as text with what is left, on one page', async () => {
    const { page, context } = await w.openPage('fr-FR', `/patient#${paced.code}`);
    await shown(page);
    expect(await page.getByRole('button', { name: 'Imprimer' }).count()).toBe(1);
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 }); // an A4 page at 96 dpi, for the screenshot
    await w.shot(page, 'patient-print');
    for (const hidden of ['header.top', '.timeline', '.actions', 'form']) {
      for (const el of await page.locator(hidden).all()) expect(await el.isVisible(), hidden).toBe(false);
    }
    expect(await page.getByTestId('code-text').isVisible()).toBe(true);
    expect(await page.locator('ul.left').isVisible()).toBe(true);
    const image = page.locator('img.datamatrix');
    expect(decodeDataMatrix(await image.screenshot())).toBe(paced.payload);
    const pdf = await page.pdf({ format: 'A4', path: join(artifacts, 'patient-print.pdf') });
    expect(pageCount(pdf)).toBe(1);
    await context.close();
  });

  it('downloads the evidence bundle as ordo-trace-<id>.json, which `ordo verify FILE` verifies', async () => {
    const { page, context } = await w.openPage('en-GB', `/patient#${paced.code}`);
    await shown(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the evidence' }).click()]);
    expect(download.suggestedFilename()).toBe(`ordo-trace-${paced.id}.json`);
    const file = join(w.dir, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'ordo-trace/1', prescriptionId: paced.id });
    expect(text).not.toContain(paced.code.replace(/-/g, '').slice(16, 40)); // the evidence, not the credential (its secret part)
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/ordo.js'), 'verify', file], { cwd: root, env: { ...process.env, ORDO_URL: 'http://127.0.0.1:9' } });
    expect(stdout).toMatch(/^verified: \d+ events/m);
    await context.close();
  });

  it('says what a cancelled, a completed and a claimed prescription mean for the patient', async () => {
    const doctor = w.as(DOCTOR);
    const pharmacy = w.as(LILAS);
    const cancelled = await doctor.prescribe(rx([paracetamol]));
    await doctor.cancel(cancelled.id, 'Erreur de posologie');
    const completed = await doctor.prescribe(rx([amoxicilline]));
    const claim = await pharmacy.claim(completed.code);
    await pharmacy.dispense(claim.claim.id, completed.id, [{ item: 0, quantity: 2 }]);
    const held = await doctor.prescribe(rx([amoxicilline]));
    await pharmacy.claim(held.code);
    const states = [
      { name: 'cancelled', code: cancelled.code, fr: 'Cette ordonnance a été annulée par Dr Claire Roussel : « Erreur de posologie ». Elle ne peut plus être délivrée.', en: 'Dr Claire Roussel cancelled this prescription: “Erreur de posologie”. It can no longer be dispensed.' },
      { name: 'completed', code: completed.code, fr: 'Tout a été délivré : cette ordonnance est terminée.', en: 'Everything has been dispensed: this prescription is complete.' },
      { name: 'claimed', code: held.code, fr: 'Pharmacie des Lilas est en train de la délivrer.', en: 'Pharmacie des Lilas is dispensing it now.' },
    ];
    for (const s of states) {
      for (const [locale, lang] of LANGS) {
        for (const [size, viewport] of SIZES) {
          const { page, context } = await w.openPage(locale, `/patient#${s.code}`, viewport);
          await shown(page);
          await fits(page, viewport.width);
          expect((await page.locator('.state-message').textContent())?.trim(), `${s.name} ${lang}`).toBe(s[lang]);
          if (s.name !== 'claimed') expect(await page.locator('ul.left').count(), 'nothing is said to be left to collect').toBe(0);
          await w.shot(page, `patient-${s.name}-${lang}-${size}`);
          await context.close();
        }
      }
    }
  }, 420_000);

  it('shows a corrected dispensing: the correction with its lines, the record it replaced kept and marked corrected', async () => {
    const pharmacy = w.as(LILAS);
    const issued = await w.as(DOCTOR).prescribe(rx([amoxicilline]));
    const claim = await pharmacy.claim(issued.code);
    await pharmacy.dispense(claim.claim.id, issued.id, [{ item: 0, quantity: 2 }]);
    await pharmacy.correct(claim.claim.id, issued.id, 2, [{ item: 0, quantity: 1 }]);
    const want = {
      fr: { replaced: /^\d\d:\d\d Délivrée par Pharmacie des Lilas\s*corrigée à \d\d:\d\d\s*2 boîtes d’Amoxicilline 500 mg, gélule$/, correction: 'Délivrance corrigée par Pharmacie des Lilas', line: ['1 boîte d’Amoxicilline 500 mg, gélule'], left: 'Il reste 1 boîte d’Amoxicilline 500 mg, gélule.' },
      en: { replaced: /^\d\d:\d\d Dispensed by Pharmacie des Lilas\s*corrected at \d\d:\d\d\s*Amoxicilline 500 mg, gélule: 2 boîtes$/, correction: 'Dispensing corrected by Pharmacie des Lilas', line: ['Amoxicilline 500 mg, gélule: 1 boîte'], left: 'Amoxicilline 500 mg, gélule: 1 boîte left.' },
    };
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of SIZES) {
        const { page, context } = await w.openPage(locale, `/patient#${issued.code}`, viewport);
        await shown(page);
        await fits(page, viewport.width);
        const replaced = page.locator('.timeline > ol > li[data-type="dispensed"]');
        expect(await replaced.getAttribute('class')).toBe('corrected');
        expect((await replaced.innerText()).replace(/\n+/g, ' ').trim()).toMatch(want[lang].replaced);
        // Struck through, still readable (axe checks its contrast in w.shot).
        expect(await replaced.locator('> .what').evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe('line-through');
        const correction = page.locator('.timeline > ol > li[data-type="dispense_corrected"]');
        expect(await correction.locator('> .what').textContent()).toBe(want[lang].correction);
        expect(await correction.locator('li').allTextContents()).toEqual(want[lang].line);
        expect((await texts(page, 'ul.left > li')).map((x) => x.trim())).toEqual([want[lang].left]);
        await w.shot(page, `patient-corrected-${lang}-${size}`);
        await context.close();
      }
    }
  }, 240_000);

  it('logged no console error', () => {
    expect(w.consoleErrors).toEqual([]);
  });
});

describe.skipIf(skipBrowser)('/patient in a sandbox: an expired prescription', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { ORDO_SANDBOX: '1' } });
  }, 60_000);
  afterAll(() => w?.close());

  it('says it can no longer be dispensed, in both languages, on every screen', async () => {
    const health = (await (await fetch(`${w.base}/healthz`)).json()) as { sandbox: { now: string } };
    const today = new Date(health.sandbox.now).toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' }); // YYYY-MM-DD
    const issued = await w.as(DOCTOR).prescribe(rx([paracetamol], { validUntil: today }));
    const moved = await fetch(`${w.base}/v1/admin/clock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.ordo.deps.keys.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ advance: 'P2D' }),
    });
    expect(moved.status).toBe(200);
    const until = { fr: new Date(`${today}T12:00:00Z`).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric' }), en: new Date(`${today}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }) };
    const want = {
      fr: `Cette ordonnance était valable jusqu’au ${until.fr} : elle ne peut plus être délivrée. Demandez une nouvelle ordonnance si vous avez encore besoin du traitement.`,
      en: `This prescription was valid until ${until.en}: it can no longer be dispensed. Ask for a new prescription if you still need the treatment.`,
    };
    for (const [locale, lang] of LANGS) {
      for (const [size, viewport] of SIZES) {
        const { page, context } = await w.openPage(locale, `/patient#${issued.code}`, viewport);
        await shown(page);
        await expect.poll(() => page.locator('.sandbox-banner').count()).toBe(1);
        await fits(page, viewport.width);
        expect((await page.locator('.state-message').textContent())?.trim()).toBe(want[lang]);
        expect(await page.locator('.timeline li[data-type="expired"]').count()).toBe(1);
        expect(await page.locator('ul.left').count()).toBe(0);
        await w.shot(page, `patient-expired-${lang}-${size}`);
        await context.close();
      }
    }
    expect(w.consoleErrors).toEqual([]);
  }, 240_000);
});
