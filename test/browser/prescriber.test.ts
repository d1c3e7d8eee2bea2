/**
 * /prescribe for a whole working day, in Chromium against a real Ordo (test/browser/support.ts):
 * rule errors in the page's language, the grammar and the fields of a real sheet, the list of the
 * prescriber's own prescriptions kept up to date by the feed (state, what is left per line, next
 * due date, filter, paging), printing again, rotating the code, cancelling with a reason,
 * renewing, keyboard only, the draft kept through a reload; then, in a sandbox whose clock moves,
 * an expired prescription and a rule only Ordo can check. Every state reached is audited
 * (labels, axe-core) and screenshotted into test/artifacts/prescriber-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError, type Problem } from '../../src/client/errors.js';
import { problemMessage, translator } from '../../src/web/i18n.js';
import { cip13, decodeDataMatrix, overflowX, skipBrowser, startWorld, VIEWPORTS, type World } from './support.js';

const DOCTOR = '10001234567';
const PHARMACY = '750000001';
const PARACETAMOL = '3400935955838';
const IBUPROFEN = cip13('340093000001');

/** The form's labels and a few fixed words, as each language shows them. */
const WORDS = {
  fr: {
    locale: 'fr-FR', family: 'Nom', given: /Prénom/, birthDate: 'Date de naissance', sex: 'Sexe', code: 'Code', label: 'Libellé', dosage: 'Posologie',
    quantity: 'Quantité par délivrance', supplyDays: 'Durée couverte (jours)', controlled: /Stupéfiant ou assimilé/, submit: 'Signer et émettre', issued: 'Ordonnance émise.',
    list: 'Mes ordonnances', form: 'Nouvelle ordonnance', system: 'Référentiel', addLine: /Ajouter une ligne/,
  },
  en: {
    locale: 'en-GB', family: 'Family name', given: /Given name/, birthDate: 'Date of birth', sex: 'Sex', code: 'Code', label: 'Label', dosage: 'Dosage',
    quantity: 'Quantity per delivery', supplyDays: 'Days covered', controlled: /Narcotic or similar/, submit: 'Sign and issue', issued: 'Prescription issued.',
    list: 'My prescriptions', form: 'New prescription', system: 'Code system', addLine: /Add a line/,
  },
} as const;
type Lang = keyof typeof WORDS;

type LineIn = { code?: string; label: string; dosage: string; quantity?: string; supplyDays?: string };
const PARA_LINE: LineIn = { code: PARACETAMOL, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: '2' };
const IBU_LINE: LineIn = { code: IBUPROFEN, label: 'Ibuprofène 400 mg, comprimé', dosage: '1 comprimé si douleur' };

const line = (page: Page, n: number) => page.locator(`fieldset[data-line="${n}"]`);
const row = (page: Page, id: string) => page.locator(`li.rx-row[data-id="${id}"]`);
const mainText = (page: Page) => page.locator('main').innerText();

async function fillPatient(page: Page, lang: Lang, p: { family: string; given: string; birthDate: string; sex?: string }) {
  const L = WORDS[lang];
  await page.getByLabel(L.family, { exact: true }).fill(p.family);
  await page.getByLabel(L.given).fill(p.given);
  await page.getByLabel(L.birthDate).fill(p.birthDate);
  if (p.sex !== undefined) await page.getByLabel(L.sex).selectOption(p.sex);
}

async function fillLine(page: Page, lang: Lang, n: number, l: LineIn) {
  const L = WORDS[lang];
  if (n > 0 && (await line(page, n).count()) === 0) await page.getByRole('button', { name: L.addLine }).click();
  if (l.code) await line(page, n).getByLabel(L.code, { exact: true }).fill(l.code);
  await line(page, n).getByLabel(L.label, { exact: true }).fill(l.label);
  await line(page, n).getByLabel(L.dosage, { exact: true }).fill(l.dosage);
  if (l.quantity) await line(page, n).getByLabel(L.quantity).fill(l.quantity);
  if (l.supplyDays) await line(page, n).getByLabel(L.supplyDays).fill(l.supplyDays);
}

/** Signs and sends from the page; answers the code and payload the sheet shows. */
async function submit(page: Page, lang: Lang) {
  await page.getByRole('button', { name: WORDS[lang].submit }).click();
  await expect.poll(() => page.getByText(WORDS[lang].issued).count(), { timeout: 10_000 }).toBe(1);
  const code = (await page.getByTestId('code').textContent())!.trim();
  return { code, payload: `ORDO1:${code.replace(/-/g, '').slice(0, 40)}`, id: code.replace(/-/g, '').slice(0, 16) };
}

/** The DataMatrix of the sheet on screen, read back from its pixels. */
async function sheetPayload(page: Page) {
  const image = page.locator('article.sheet img.datamatrix');
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  return decodeDataMatrix(await image.screenshot());
}

/** Keyboard only: Tab until the field named `name` has the focus. */
async function tabTo(page: Page, name: string, tabs = 80) {
  for (let i = 0; i < tabs; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)) === name) return;
  }
  throw new Error(`${name}: not reachable with Tab`);
}

function problemOf(err: unknown): Problem {
  if (err instanceof OrdoProblemError) return err.problem;
  throw err;
}

describe.skipIf(skipBrowser)('/prescribe for a working day', { timeout: 120_000 }, () => {
  let w: World;
  let doctor: OrdoClient;

  beforeAll(async () => {
    w = await startWorld();
    doctor = w.as(DOCTOR);
  }, 60_000);
  afterAll(() => w?.close());

  async function open(lang: Lang = 'fr', viewport: { width: number; height: number } = VIEWPORTS.laptop) {
    const { context, page } = await w.openPage(WORDS[lang].locale, '/prescribe', viewport);
    page.setDefaultTimeout(10_000);
    await w.loadKey(page, DOCTOR);
    return { context, page };
  }

  /** A prescription issued by the SDK (so never seen by the page's browser). */
  const issue = (family: string, extra: Record<string, unknown> = {}) =>
    doctor.prescribe({
      patient: { family, given: ['Paul'], birthDate: '1970-05-04', sex: 'male' },
      items: [{ code: { system: 'CIP13', value: PARACETAMOL }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte', supplyDays: 30 }],
      renewals: 1,
      ...extra,
    });

  async function showList(page: Page, lang: Lang = 'fr') {
    await page.getByRole('button', { name: WORDS[lang].list }).click();
    await expect.poll(() => page.locator('li.rx-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
  }

  it('words every rule error in the page’s language, naming the field as the form shows it (was: English, a JSON path)', async () => {
    const expected = { fr: 'Ligne 1 — Durée couverte (jours) : obligatoire pour un stupéfiant (28 jours au plus)', en: 'Line 1 — Days covered: required for a narcotic (28 days at most)' };
    for (const lang of ['fr', 'en'] as const) {
      const { context, page } = await open(lang);
      await fillPatient(page, lang, { family: 'Martin', given: 'Jeanne', birthDate: '1948-03-12' });
      await fillLine(page, lang, 0, PARA_LINE);
      await page.getByLabel(WORDS[lang].controlled).check();
      await page.getByRole('button', { name: WORDS[lang].submit }).click();
      await expect.poll(() => page.getByText(expected[lang]).count()).toBe(1);
      expect(await mainText(page)).not.toMatch(/items\.\d|supplyDays|controlled prescription|The prescription/);
      await w.shot(page, `prescriber-rule-errors-${lang}`);
      await context.close();
    }

    // What Ordo itself answers (the schema first, then the rules), in the pages' words.
    const refused = (doc: Record<string, unknown>) => doctor.prescribe(doc).then(() => { throw new Error('accepted'); }, problemOf);
    const item = { code: { system: 'CIP13', value: PARACETAMOL }, label: 'Paracétamol', dosage: '1 par jour', quantity: 1, unit: 'boîte' };
    const schema = await refused({ patient: { family: ' ', given: ['Paul'], birthDate: '1990-02-30' }, items: [{ ...item, code: { system: 'CIP13', value: '3400935955839' }, quantity: 0 }, { ...item, substitutable: false }] });
    const rules = await refused({ patient: { family: 'Petit', given: ['Paul'], birthDate: '2999-01-01' }, controlled: true, renewals: 1, validUntil: '2000-01-01', items: [item, { ...item, supplyDays: 40 }] });
    for (const problem of [schema, rules]) {
      expect(problem.code).toBe('invalid_document');
      const errors = problem.errors as { path: string; message: string }[];
      expect(errors.length).toBeGreaterThan(2);
      const fr = problemMessage(translator('fr'), 'fr', problem);
      const en = problemMessage(translator('en'), 'en', problem);
      for (const e of errors) {
        for (const text of [fr, en]) expect(text).not.toContain(e.path);
        expect(fr).not.toContain(e.message);
      }
      expect(fr).not.toMatch(/\b(must|required|at most|not a valid)\b/);
    }
    const fr = (p: Problem) => problemMessage(translator('fr'), 'fr', p);
    const en = (p: Problem) => problemMessage(translator('en'), 'en', p);
    expect(fr(schema)).toContain('Patient — Nom : obligatoire');
    expect(fr(schema)).toContain('Patient — Date de naissance : date inexistante');
    expect(fr(schema)).toContain('Ligne 1 — Code : code invalide (13 chiffres, le dernier étant la clé EAN-13)');
    expect(fr(schema)).toContain('Ligne 1 — Quantité par délivrance : supérieur à 0');
    expect(fr(schema)).toContain('Ligne 2 — Mention de non-substitution : obligatoire pour un produit non substituable');
    expect(fr(rules)).toContain('Patient — Date de naissance : dans le futur');
    expect(fr(rules)).toContain('Renouvelable (nombre de fois) : 0 pour un stupéfiant, qui ne se renouvelle pas');
    expect(fr(rules)).toContain('Ligne 2 — Durée couverte (jours) : 28 jours au plus pour un stupéfiant');
    expect(fr(rules)).toMatch(/Valable jusqu’au : date passée \(date d’émission : \d{1,2} \p{L}+ \d{4}\)/u);
    expect(en(rules)).toContain('Line 1 — Days covered: required for a narcotic (28 days at most)');
    expect(en(schema)).toContain('Patient — Family name: required');
  });

  it('writes née / né / né·e by sex, names the code systems, and words the sheet in the page’s language (was: né·e always, "text", "30 j")', async () => {
    const { context, page } = await open('fr');
    const systems = await line(page, 0).getByLabel(WORDS.fr.system).locator('option').allTextContents();
    expect(systems).toContain('Texte libre');
    expect(systems.find((s) => s.startsWith('CIP13'))).toMatch(/^CIP13 — .+/);
    expect(systems).not.toContain('text');
    for (const [sex, born] of [['female', 'née le 12 mars 1948'], ['male', 'né le 12 mars 1948'], ['', 'né·e le 12 mars 1948']] as const) {
      await fillPatient(page, 'fr', { family: 'Martin', given: 'Camille', birthDate: '1948-03-12', sex });
      await fillLine(page, 'fr', 0, { ...PARA_LINE, supplyDays: '30' });
      await page.getByLabel('Renouvelable (nombre de fois)').fill('2');
      await submit(page, 'fr');
      const sheet = await page.locator('article.sheet').innerText();
      expect(sheet).toContain(born);
      expect(sheet).toContain('2 boîtes');
      expect(sheet).toContain('pendant 30 jours');
      expect(sheet).toContain('renouvelable 2 fois');
      if (sex === 'female') await w.shot(page, 'prescriber-sheet-fr');
      await page.getByRole('button', { name: WORDS.fr.form }).click();
    }
    await context.close();

    const en = await open('en', VIEWPORTS.tablet);
    const enSystems = await line(en.page, 0).getByLabel(WORDS.en.system).locator('option').allTextContents();
    expect(enSystems).toContain('Free text');
    await fillPatient(en.page, 'en', { family: 'Martin', given: 'Camille', birthDate: '1948-03-12', sex: 'female' });
    await fillLine(en.page, 'en', 0, { ...PARA_LINE, supplyDays: '1' });
    await en.page.getByLabel('Renewable (number of times)').fill('1');
    await fillLine(en.page, 'en', 1, { ...IBU_LINE, supplyDays: '30' });
    await en.page.getByLabel('Renewable (number of times)').fill('2');
    await w.shot(en.page, 'prescriber-form-en-tablet');
    expect(await overflowX(en.page)).toBe(0);
    await submit(en.page, 'en');
    const sheet = await en.page.locator('article.sheet').innerText();
    for (const text of ['born 12 March 1948', 'for 1 day', 'for 30 days', 'renewable 2 times', 'Issued ', 'Valid until']) expect(sheet).toContain(text);
    expect(sheet).not.toMatch(/née|né·e|\bj\b|jours|Émise|Valable|renouveler/);
    await w.shot(en.page, 'prescriber-sheet-en-tablet');
    expect(await overflowX(en.page)).toBe(0);
    await en.context.close();
  });

  it('has the practice, the INS, the weight, the active ingredient and one visible renewals field, all on the sheet; the practice is remembered (was: missing, two renewals fields)', async () => {
    const { context, page } = await open('fr');
    // One renewals field for the prescription, the rule explained; the line's own is tucked away.
    const rule = page.locator('#renewals-rule');
    expect(await rule.innerText()).toBe('Non renouvelable : chaque ligne est délivrée une fois.');
    await page.getByLabel('Renouvelable (nombre de fois)').fill('2');
    await expect.poll(() => rule.innerText()).toBe('Chaque ligne peut être délivrée 3 fois en tout : une première fois, puis une fois par renouvellement.');
    expect(await page.getByLabel('Renouvellements de cette ligne').count()).toBe(0);

    await fillPatient(page, 'fr', { family: 'Martin', given: 'Jeanne', birthDate: '1948-03-12', sex: 'female' });
    await page.getByLabel(/^INS/).fill('248037512345678');
    await page.getByLabel(/Identité qualifiée/).check();
    await page.getByLabel('Poids (kg)').fill('61.5');
    await fillLine(page, 'fr', 0, PARA_LINE);
    await line(page, 0).getByLabel('Substance active (DCI)').fill('paracétamol');
    await fillLine(page, 'fr', 1, IBU_LINE);
    await line(page, 1).getByLabel('Nombre de renouvellements différent pour cette ligne').check();
    await line(page, 1).getByLabel('Renouvellements de cette ligne').fill('0');
    await expect.poll(() => line(page, 1).getByText('Cette ligne est délivrée une seule fois.').count()).toBe(1);
    await page.getByLabel('Nom du cabinet').fill('Cabinet des Lilas');
    await page.getByLabel('Adresse du cabinet').fill('12 rue des Lilas, 75019 Paris');
    await page.getByLabel('Téléphone du cabinet').fill('01 42 00 00 00');
    await w.shot(page, 'prescriber-form-full-fr');
    const { code } = await submit(page, 'fr');
    const sheet = await page.locator('article.sheet').innerText();
    for (const text of ['Cabinet des Lilas', '12 rue des Lilas, 75019 Paris', 'Tél. 01 42 00 00 00', 'INS 248037512345678 (identité qualifiée)', '61,5 kg', 'DCI : paracétamol', 'renouvelable 2 fois', 'née le 12 mars 1948']) {
      expect(sheet, text).toContain(text);
    }
    expect(await page.locator('article.sheet .rx-items li').nth(1).innerText()).not.toContain('renouvelable');
    await w.shot(page, 'prescriber-sheet-full-fr');

    // What was signed is what the sheet shows.
    const content = (await doctor.lookup(code)).prescription.content as Record<string, any>;
    expect(content.prescriber.structure).toEqual({ name: 'Cabinet des Lilas', address: '12 rue des Lilas, 75019 Paris', phone: '01 42 00 00 00' });
    expect(content.patient.ins).toEqual({ value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true });
    expect(content.patient.weightKg).toBe(61.5);
    expect(content.items[0].activeIngredient).toBe('paracétamol');
    expect([content.renewals, content.items[0].renewals, content.items[1].renewals]).toEqual([2, undefined, 0]);

    // The practice is there for the next prescription, and after a reload.
    await page.getByRole('button', { name: WORDS.fr.form }).click();
    expect(await page.getByLabel('Nom du cabinet').inputValue()).toBe('Cabinet des Lilas');
    expect(await page.getByLabel(WORDS.fr.family, { exact: true }).inputValue()).toBe('');
    await page.reload();
    await expect.poll(() => page.getByLabel('Téléphone du cabinet').inputValue(), { timeout: 10_000 }).toBe('01 42 00 00 00');
    await context.close();
  });

  it('finds a sheet lost by a reload in the list and prints it again: same code, same DataMatrix (was: lost for good)', async () => {
    const { context, page } = await open('fr');
    await fillPatient(page, 'fr', { family: 'Bernard', given: 'Luc', birthDate: '1980-06-01', sex: 'male' });
    await fillLine(page, 'fr', 0, PARA_LINE);
    const issued = await submit(page, 'fr');
    expect(await sheetPayload(page)).toBe(issued.payload);
    await page.reload();
    await expect.poll(() => page.getByLabel(WORDS.fr.family, { exact: true }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('code').count()).toBe(0);
    await showList(page);
    const r = row(page, issued.id);
    await expect.poll(() => r.innerText()).toContain('BERNARD Luc');
    await r.getByRole('button', { name: 'Réimprimer' }).click();
    await expect.poll(() => page.getByTestId('code').count(), { timeout: 10_000 }).toBe(1);
    expect((await page.getByTestId('code').textContent())!.trim()).toBe(issued.code);
    expect(await sheetPayload(page)).toBe(issued.payload);
    expect(await page.locator('article.sheet').innerText()).toContain('BERNARD');
    await w.shot(page, 'prescriber-reprint-fr');
    await context.close();
  });

  it('lists them newest first with state, what is left per line and the next due date, kept up to date by the feed; filters and pages', async () => {
    const unseen = await issue('Durand');
    const cancelled = await issue('Petit');
    await doctor.cancel(cancelled.id, 'Doublon');
    const { context, page } = await open('fr');
    await showList(page);
    expect(await page.locator('li.rx-row').first().getAttribute('data-id')).toBe(cancelled.id);
    const r = row(page, unseen.id);
    // Not issued from this browser: no patient until asked for.
    await expect.poll(() => r.innerText()).toContain('Patient et lignes non gardés dans ce navigateur.');
    expect(await r.innerText()).toContain('Ligne 1 : reste 4 sur 4');
    expect(await r.innerText()).not.toContain('DURAND');
    await r.getByRole('button', { name: 'Afficher le patient et les lignes' }).click();
    await expect.poll(() => r.innerText(), { timeout: 10_000 }).toContain('DURAND Paul, né le 4 mai 1970');
    expect(await r.innerText()).toContain('Paracétamol 1 g, comprimé : reste 4 boîtes sur 4');
    expect(await r.locator('.status').innerText()).toBe('Active');
    await w.shot(page, 'prescriber-list-fr');

    // A pharmacy claims then dispenses: the row follows without a reload.
    const pharmacy = w.as(PHARMACY);
    const claimed = await pharmacy.claim(unseen.code);
    await expect.poll(() => r.locator('.status').innerText(), { timeout: 15_000 }).toBe('En cours de délivrance');
    expect(await r.innerText()).toMatch(/Prise en charge par une pharmacie jusqu’à : \d\d:\d\d/);
    const dispensed = await pharmacy.dispense(claimed.claim.id, unseen.id, [{ item: 0, quantity: 2 }]);
    await expect.poll(() => r.locator('.status').innerText(), { timeout: 15_000 }).toBe('Active');
    const dueAt = dispensed.remaining[0]!.dueAt!;
    const dueDay = new Date(dueAt).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', timeZone: 'Europe/Paris' });
    expect(await r.innerText()).toContain('Paracétamol 1 g, comprimé : reste 2 boîtes sur 4');
    expect(await r.innerText()).toMatch(new RegExp(`prochaine délivrance possible : \\p{L}+ ${dueDay}( \\d{4})? à \\d\\d:\\d\\d`, 'u')); // another day: the day and the time
    await w.shot(page, 'prescriber-list-updated-fr');

    // Filter by state.
    await page.getByLabel('État').selectOption('cancelled');
    await expect.poll(() => page.locator('li.rx-row').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-id')))).toEqual([cancelled.id]);
    expect(await row(page, cancelled.id).locator('.status').innerText()).toBe('Annulée');
    await page.getByLabel('État').selectOption('');
    await expect.poll(() => row(page, unseen.id).count()).toBe(1);

    // The same row in English, on a tablet.
    const en = await open('en', VIEWPORTS.tablet);
    await showList(en.page, 'en');
    const enRow = row(en.page, unseen.id);
    await expect.poll(() => enRow.innerText()).toContain('Line 1: 2 of 4 left');
    expect(await enRow.locator('.status').innerText()).toBe('Active');
    await w.shot(en.page, 'prescriber-list-en-tablet');
    expect(await overflowX(en.page)).toBe(0);
    await en.context.close();

    // Pages of 20; new ones issued elsewhere come in at the top by themselves.
    const more: string[] = [];
    for (let i = 0; i < 20; i++) more.push((await issue(`Lot${i}`)).id);
    await expect.poll(() => page.locator('li.rx-row').first().getAttribute('data-id'), { timeout: 15_000 }).toBe(more.at(-1));
    expect(await page.locator('li.rx-row').count()).toBe(20);
    await page.getByRole('button', { name: 'Afficher les suivantes' }).click();
    await expect.poll(() => page.locator('li.rx-row').count(), { timeout: 10_000 }).toBeGreaterThan(20);
    expect(await row(page, unseen.id).count()).toBe(1);
    await context.close();
  });

  it('rotates the code of a lost prescription after a confirmation saying the old code stops working, then prints the new sheet', async () => {
    const old = await issue('Leroy');
    const { context, page } = await open('fr');
    await showList(page);
    const r = row(page, old.id);
    // Changing one's mind keeps the code.
    await r.getByRole('button', { name: 'Nouveau code' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remplacer le code de cette ordonnance ?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.innerText()).toContain('l’ancien code cessera de fonctionner');
    await w.shot(page, 'prescriber-rotate-confirm-fr');
    await dialog.getByRole('button', { name: 'Garder l’ancien code' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await doctor.lookup(old.code)).status).toBe('active');

    await r.getByRole('button', { name: 'Nouveau code' }).click();
    await dialog.getByRole('button', { name: 'Remplacer le code et imprimer' }).click();
    await expect.poll(() => page.getByText(/Nouveau code émis : l’ancien ne fonctionne plus/).count(), { timeout: 10_000 }).toBe(1);
    const code = (await page.getByTestId('code').textContent())!.trim();
    expect(code).not.toBe(old.code);
    expect(await sheetPayload(page)).toBe(`ORDO1:${code.replace(/-/g, '').slice(0, 40)}`);
    expect(await page.locator('article.sheet').innerText()).toContain('LEROY');
    await w.shot(page, 'prescriber-rotated-fr');
    expect(problemOf(await doctor.lookup(old.code).catch((e: unknown) => e)).code).toBe('not_found');
    expect((await doctor.lookup(code)).events.map((e) => e.type)).toEqual(['issued', 'code_rotated']);
    await context.close();
  });

  it('cancels with a reason after a confirmation, and shows the reason as it was sent', async () => {
    const rx = await issue('Moreau');
    for (const lang of ['en', 'fr'] as const) {
      const { context, page } = await open(lang, lang === 'en' ? VIEWPORTS.tablet : VIEWPORTS.laptop);
      await showList(page, lang);
      const r = row(page, rx.id);
      if (lang === 'en') {
        await r.getByRole('button', { name: 'Cancel the prescription' }).click();
        const dialog = page.getByRole('dialog', { name: 'Cancel this prescription?' });
        await expect.poll(() => dialog.isVisible()).toBe(true);
        await w.shot(page, 'prescriber-cancel-confirm-en-tablet');
        await dialog.getByRole('button', { name: 'Do not cancel' }).click();
        await context.close();
        continue;
      }
      await r.getByRole('button', { name: 'Annuler l’ordonnance' }).click();
      const dialog = page.getByRole('dialog', { name: 'Annuler cette ordonnance ?' });
      await expect.poll(() => dialog.isVisible()).toBe(true);
      await dialog.getByRole('button', { name: 'Confirmer l’annulation' }).click();
      await expect.poll(() => dialog.getByText('Indiquez un motif.').count()).toBe(1);
      await dialog.getByLabel('Motif de l’annulation').fill('Erreur de posologie');
      await w.shot(page, 'prescriber-cancel-confirm-fr');
      await dialog.getByRole('button', { name: 'Confirmer l’annulation' }).click();
      await expect.poll(() => r.locator('.status').innerText(), { timeout: 10_000 }).toBe('Annulée');
      expect(await r.innerText()).toContain('Motif envoyé : « Erreur de posologie »');
      expect(await r.getByRole('button', { name: 'Annuler l’ordonnance' }).count()).toBe(0);
      expect(await r.getByRole('button', { name: 'Nouveau code' }).count()).toBe(0);
      expect(await r.getByRole('button', { name: 'Réimprimer' }).count()).toBe(1);
      await w.shot(page, 'prescriber-cancelled-fr');
      expect((await doctor.lookup(rx.code)).cancelReason).toBe('Erreur de posologie');
      await context.close();
    }
  });

  it('renews: a new prescription prefilled from the old one, linked by replaces, saying the old one stays valid until cancelled', async () => {
    const old = await issue('Garnier');
    const { context, page } = await open('fr');
    await showList(page);
    await row(page, old.id).getByRole('button', { name: 'Renouveler' }).click();
    await expect.poll(() => page.getByLabel(WORDS.fr.family, { exact: true }).inputValue(), { timeout: 10_000 }).toBe('Garnier');
    expect(await line(page, 0).getByLabel(WORDS.fr.label, { exact: true }).inputValue()).toBe('Paracétamol 1 g, comprimé');
    expect(await page.getByLabel('Renouvelable (nombre de fois)').inputValue()).toBe('1');
    expect(await mainText(page)).toContain(`elle reste valable`);
    await w.shot(page, 'prescriber-renew-fr');
    const renewed = await submit(page, 'fr');
    const text = await mainText(page);
    expect(text).toContain(`Remplace l’ordonnance réf. ${old.id}`);
    expect(text).toMatch(/L’ancienne ordonnance .* reste valable/);
    expect((await doctor.lookup(renewed.code)).prescription.content!.replaces).toBe(old.id);
    expect((await doctor.get(old.id)).status).toBe('active');
    await context.close();
  });

  it('goes from the patient field to the printed sheet with the keyboard only (Tab, Enter, Space)', async () => {
    const { context, page } = await open('fr');
    await page.evaluate(() => {
      // The browser's print dialog cannot be driven headless: count the calls instead.
      window.print = () => { document.body.dataset.printed = String(Number(document.body.dataset.printed ?? '0') + 1); };
    });
    await tabTo(page, 'family');
    await page.keyboard.type('Martin');
    await tabTo(page, 'given');
    await page.keyboard.type('Jeanne');
    await tabTo(page, 'birthDate');
    await page.keyboard.type('03031948'); // the same whether the browser's date field reads dd/mm or mm/dd
    await tabTo(page, 'code');
    await page.keyboard.type(PARACETAMOL);
    await tabTo(page, 'label');
    await page.keyboard.type('Paracétamol 1 g, comprimé');
    await tabTo(page, 'dosage');
    await page.keyboard.type('1 comprimé 3 fois par jour');
    await tabTo(page, 'ownRenewals');
    await page.keyboard.press('Space');
    await tabTo(page, 'lineRenewals');
    await page.keyboard.type('1');
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Signer et émettre') break;
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(WORDS.fr.issued).count(), { timeout: 10_000 }).toBe(1);
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.textContent?.trim())) !== 'Imprimer'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.body.dataset.printed)).toBe('1');
    const sheet = await page.locator('article.sheet').innerText();
    expect(sheet).toContain('MARTIN Jeanne');
    expect(sheet).toContain('3 mars 1948');
    expect(sheet).toContain('renouvelable 1 fois');
    await context.close();
  });

  it('keeps the draft through a reload of the tab (never the key) and forgets it once issued', async () => {
    const { context, page } = await open('fr');
    await fillPatient(page, 'fr', { family: 'Roux', given: 'Anne Sophie', birthDate: '1975-09-30', sex: 'female' });
    await fillLine(page, 'fr', 0, PARA_LINE);
    await fillLine(page, 'fr', 1, IBU_LINE);
    await line(page, 1).getByLabel('Substituable').uncheck();
    await line(page, 1).getByLabel('Mention de non-substitution').selectOption('MTE');
    await page.getByLabel('Remarques').fill('À prendre au cours des repas');
    await page.reload();
    await expect.poll(() => page.getByLabel(WORDS.fr.family, { exact: true }).inputValue(), { timeout: 10_000 }).toBe('Roux');
    expect(await page.getByLabel(WORDS.fr.given).inputValue()).toBe('Anne Sophie');
    expect(await page.getByLabel(WORDS.fr.birthDate).inputValue()).toBe('1975-09-30');
    expect(await page.getByLabel(WORDS.fr.sex).inputValue()).toBe('female');
    expect(await line(page, 1).getByLabel(WORDS.fr.label, { exact: true }).inputValue()).toBe('Ibuprofène 400 mg, comprimé');
    expect(await line(page, 1).getByLabel('Mention de non-substitution').inputValue()).toBe('MTE');
    expect(await page.getByLabel('Remarques').inputValue()).toBe('À prendre au cours des repas');
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
    expect(stored).toContain('Roux');
    expect(stored).not.toMatch(/privateKey|"d":|"kid"/);
    await w.shot(page, 'prescriber-draft-restored-fr');

    await submit(page, 'fr');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByLabel(WORDS.fr.family, { exact: true }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByLabel(WORDS.fr.family, { exact: true }).inputValue()).toBe('');
    expect(await line(page, 1).count()).toBe(0);
    await context.close();
  });

  it('logged no console error, and no code or patient data', () => {
    expect(w.consoleErrors).toEqual([]);
    const text = JSON.stringify(w.logs);
    for (const secret of ['Martin', 'MARTIN', 'Durand', 'Garnier', 'Paracétamol', PARACETAMOL, 'Cabinet des Lilas', '248037512345678']) expect(text, secret).not.toContain(secret);
  });
});

describe.skipIf(skipBrowser)('/prescribe in a sandbox whose clock moves', { timeout: 120_000 }, () => {
  let w: World;

  beforeAll(async () => {
    w = await startWorld({ env: { ORDO_SANDBOX: '1' } });
  }, 60_000);
  afterAll(() => w?.close());

  const advance = async (advance: string) => {
    const res = await fetch(`${w.base}/v1/admin/clock`, { method: 'POST', headers: { authorization: `Bearer ${w.ordo.deps.keys.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ advance }) });
    expect(res.status).toBe(200);
  };

  it('shows an expired prescription as expired with its dates in full, and words a rule only Ordo could check', async () => {
    const doctor = w.as(DOCTOR);
    const rx = await doctor.prescribe({
      patient: { family: 'Lambert', given: ['Marc'], birthDate: '1960-01-15', sex: 'male' },
      items: [{ code: { system: 'CIP13', value: PARACETAMOL }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 1, unit: 'boîte' }],
    });
    await advance('P120D');
    const { context, page } = await w.openPage('fr-FR', '/prescribe');
    page.setDefaultTimeout(10_000);
    await w.loadKey(page, DOCTOR);
    await page.getByRole('button', { name: WORDS.fr.list }).click();
    const r = row(page, rx.id);
    await expect.poll(() => r.locator('.status').innerText(), { timeout: 10_000 }).toBe('Expirée');
    const issuedDay = new Date((await doctor.get(rx.id)).issuedAt).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', timeZone: 'Europe/Paris' });
    expect(await r.innerText()).toMatch(new RegExp(`Émise : \\p{L}+ ${issuedDay}`, 'u')); // not today in the sandbox: the day, not a time alone
    expect(await r.getByRole('button', { name: 'Nouveau code' }).count()).toBe(0);
    expect(await r.getByRole('button', { name: 'Annuler l’ordonnance' }).count()).toBe(0);
    await w.shot(page, 'prescriber-list-expired-fr');

    // The browser's calendar is 120 days behind the sandbox's: the page lets the date through, Ordo refuses it.
    await page.getByRole('button', { name: WORDS.fr.form }).click();
    await fillPatient(page, 'fr', { family: 'Lambert', given: 'Marc', birthDate: '1960-01-15' });
    await fillLine(page, 'fr', 0, PARA_LINE);
    const soon = new Date(Date.now() + 10 * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Paris' });
    await page.getByLabel('Valable jusqu’au').fill(soon);
    await page.getByRole('button', { name: WORDS.fr.submit }).click();
    await expect.poll(() => page.getByText(/Valable jusqu’au : date passée \(date d’émission : \d{1,2} \p{L}+ \d{4}\)/u).count(), { timeout: 10_000 }).toBe(1);
    expect(await mainText(page)).not.toMatch(/validUntil|in the past/);
    await w.shot(page, 'prescriber-server-rule-fr');
    await context.close();
    expect(w.consoleErrors).toEqual([]);
  });
});
