/**
 * The whole story in a real browser: Debian's Chromium driven by playwright-core, against a real
 * Ordo (`startNode`: a listening server, a SQLite file, generated secrets).
 *
 * A prescriber loads their key file and prescribes; the printed sheet's DataMatrix, read back from
 * the rendered pixels with ZXing, is the issued payload. At the counter a scanner types the
 * payload then Enter; a part is dispensed and what is left updates; a second pharmacy sees
 * "claimed elsewhere" until the first releases. The patient opens /patient#CODE and sees the
 * timeline. Screenshots of every page go to test/artifacts/ (ignored by git).
 *
 * Needs /usr/bin/chromium (`.ci/run` installs it). ORDO_SKIP_BROWSER=1 skips it explicitly.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, cip13, decodeDataMatrix, pressByKeyboard, skipBrowser, startWorld, type World } from './support.js';

/** A PDF's first page size in millimetres, rounded (A5 is 148 × 210, A4 210 × 297). */
function pageSize(pdf: Buffer): [number, number] {
  const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'));
  if (!box) throw new Error('no MediaBox in the PDF');
  return [Math.round((Number(box[1]) / 72) * 25.4), Math.round((Number(box[2]) / 72) * 25.4)];
}
const A5 = [148, 210];
const A4 = [210, 297];

describe.skipIf(skipBrowser)('the three pages in Chromium', () => {
  let w: World;
  let base: string;

  beforeAll(async () => {
    w = await startWorld();
    base = w.base;
  }, 60_000);
  afterAll(() => w?.close());

  const openPage = (locale: string, path: string): Promise<{ context: BrowserContext; page: Page }> => w.openPage(locale, path);
  const shot = (page: Page, name: string) => w.shot(page, name);

  /** The key panel by its labels, in the page's language. */
  async function loadKey(page: Page, id: string, idLabel: RegExp, keyLabel: RegExp, button: RegExp) {
    await page.getByLabel(idLabel).fill(id);
    await page.getByLabel(keyLabel).setInputFiles(w.keyFiles[id]!);
    await page.getByRole('button', { name: button }).click();
  }

  let code = '';
  let payload = '';

  it('prescribes and prints a sheet whose DataMatrix decodes to the issued payload', async () => {
    const { page } = await openPage('fr-FR', '/prescribe');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await loadKey(page, '10001234567', /Identifiant du prescripteur/, /Fichier de la clé privée/, /Charger la clé/);
    await expect.poll(() => page.getByText('Connecté·e : Dr Claire Roussel (10001234567)').count()).toBe(1);

    // The key is in IndexedDB and not extractable: a reload keeps it, and no script can read it.
    await page.reload();
    await expect.poll(() => page.getByText(/Connecté·e : Dr Claire Roussel/).count()).toBe(1);
    const extractable = await page.evaluate(() => new Promise<boolean>((resolve, reject) => {
      const req = indexedDB.open('ordo');
      req.onsuccess = () => {
        const get = req.result.transaction('keys').objectStore('keys').get('prescriber');
        get.onsuccess = () => resolve((get.result as { key: { privateKey: CryptoKey } }).key.privateKey.extractable);
        get.onerror = () => reject(get.error);
      };
    }));
    expect(extractable).toBe(false);

    await page.getByLabel('Nom', { exact: true }).fill('Martin');
    await page.getByLabel(/Prénom/).fill('Jeanne Marie');
    await page.getByLabel('Date de naissance').fill('1948-03-12');
    const line = (n: number) => page.locator(`fieldset[data-line="${n}"]`);
    // The CIP13 is checked as it is typed.
    await line(0).getByLabel('Code', { exact: true }).fill('3400935955839');
    await expect.poll(() => line(0).getByText(/Code invalide/).count()).toBe(1);
    await line(0).getByLabel('Code', { exact: true }).fill('3400935955838');
    await expect.poll(() => line(0).getByText(/Code valide/).count()).toBe(1);
    await line(0).getByLabel('Libellé').fill('Paracétamol 1 g, comprimé');
    await line(0).getByLabel('Posologie').fill('1 comprimé 3 fois par jour');
    await line(0).getByLabel('Quantité par délivrance').fill('2');
    await page.getByRole('button', { name: /Ajouter une ligne/ }).click();
    await line(1).getByLabel('Code', { exact: true }).fill(cip13('340093000001'));
    await line(1).getByLabel('Libellé').fill('Ibuprofène 400 mg, comprimé');
    await line(1).getByLabel('Posologie').fill('1 comprimé si douleur, 3 par jour au plus');
    await line(1).getByLabel('Substituable').uncheck();
    await line(1).getByLabel('Mention de non-substitution').selectOption('MTE');
    await shot(page, 'prescribe-form');

    await page.getByRole('button', { name: 'Signer et émettre' }).click();
    await expect.poll(() => page.getByText('Ordonnance émise.').count(), { timeout: 10_000 }).toBe(1);
    code = (await page.getByTestId('code').textContent())!.trim();
    expect(code).toMatch(/^([0-9A-Z]{5}-){8}[0-9A-Z*~$=]$/);
    payload = `ORDO1:${code.replace(/-/g, '').slice(0, 40)}`;
    const sheet = page.locator('article.sheet');
    for (const text of ['Dr Claire Roussel', 'MARTIN', 'Jeanne Marie', 'Paracétamol 1 g, comprimé', 'Non substituable (MTE)', 'Valable jusqu’au']) {
      expect(await sheet.getByText(text).count(), text).toBeGreaterThan(0);
    }
    await shot(page, 'prescribe-sheet');

    // The DataMatrix as the browser drew it, read back from its pixels.
    const image = sheet.locator('img.datamatrix');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(decodeDataMatrix(await image.screenshot())).toBe(payload);

    // Print CSS: the sheet alone, on an A5 page (A4 on request).
    await page.emulateMedia({ media: 'print' });
    await shot(page, 'prescribe-print-a5');
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(pageSize(await page.pdf({ preferCSSPageSize: true, path: join(artifacts, 'prescribe-a5.pdf') }))).toEqual(A5);
    await page.emulateMedia({ media: 'screen' });
    await page.getByLabel('Format').selectOption('a4');
    await expect.poll(() => sheet.getAttribute('class')).toBe('sheet a4');
    await page.emulateMedia({ media: null }); // page.pdf() uses print CSS unless screen is emulated
    expect(pageSize(await page.pdf({ preferCSSPageSize: true, path: join(artifacts, 'prescribe-a4.pdf') }))).toEqual(A4);
  });

  it('dispenses part at the counter from a scanner typing the payload then Enter', async () => {
    expect(payload).not.toBe('');
    const { page } = await openPage('fr-FR', '/counter');
    await loadKey(page, '750000001', /Identifiant de la pharmacie/, /Fichier de la clé privée/, /Charger la clé/);
    const scan = page.getByLabel('Scanner ou saisir le code');
    await expect.poll(() => scan.evaluate((el) => el === document.activeElement)).toBe(true);

    // A typo in a typed code is caught by its check symbol, before anything is sent.
    const typo = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    await page.keyboard.type(typo);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(/Faute de frappe dans le code/).count()).toBe(1);

    // The scanner: the payload, then Enter, into whatever has the focus (the scan field).
    await page.locator('main h1').click(); // focus wanders off; the scan field takes it back
    await expect.poll(() => scan.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(payload);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(/Réservée pour vous jusqu’à \d\d:\d\d/).count(), { timeout: 10_000 }).toBe(1);
    expect(await scan.inputValue()).toBe(''); // the code does not stay on screen
    expect(page.url()).toBe(`${base}/counter`);
    await expect.poll(() => page.getByText(/Signature du prescripteur et historique vérifiés/).count()).toBe(1);
    expect(await page.getByText('MARTIN').count()).toBeGreaterThan(0);
    const remaining = (n: number) => page.locator(`table.items:not(form table) tr[data-item="${n}"] td.remaining`).textContent();
    expect([await remaining(0), await remaining(1)]).toEqual(['2', '1']);
    // Not substitutable: the pharmacist cannot pick a substitution for line 2.
    expect(await page.getByLabel('Substitution — Ibuprofène 400 mg, comprimé').isDisabled()).toBe(true);
    await shot(page, 'counter-claimed');

    await page.getByLabel('Délivrer — Paracétamol 1 g, comprimé').fill('1');
    await page.getByLabel('Lot — Paracétamol 1 g, comprimé').fill('A123');
    await page.getByLabel('Délivrer — Ibuprofène 400 mg, comprimé').fill('1');
    await page.getByRole('button', { name: 'Délivrer et signer' }).click();
    await expect.poll(() => page.getByText('Délivrance enregistrée.').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => [await remaining(0), await remaining(1)]).toEqual(['1', '0']);
    await expect.poll(() => page.getByText(/Reçu d’Ordo : étape 3, délivrance, à \d\d:\d\d/).count()).toBe(1);
    await expect.poll(() => page.locator('.timeline li[data-type="dispensed"]').count()).toBe(1);
    expect(await page.locator('.timeline li[data-type="dispensed"]').textContent()).toContain('1 boîte de Paracétamol 1 g, comprimé');
    await shot(page, 'counter-dispensed');

    // Claimed again by this pharmacy; a second pharmacy is told who holds it until when.
    await page.keyboard.type(payload);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(/Réservée pour vous jusqu’à/).count(), { timeout: 10_000 }).toBe(1);

    const other = await openPage('en-GB', '/counter');
    expect(await other.page.locator('html').getAttribute('lang')).toBe('en');
    await loadKey(other.page, '750000002', /Pharmacy id/, /Private key file/, /Load the key/);
    const otherScan = other.page.getByLabel('Scan or type the code');
    await expect.poll(() => otherScan.evaluate((el) => el === document.activeElement)).toBe(true);
    await other.page.keyboard.type(payload);
    await other.page.keyboard.press('Enter');
    await expect.poll(() => other.page.getByText(/Held by Pharmacie des Lilas until \d\d:\d\d/).count(), { timeout: 10_000 }).toBe(1);
    await shot(other.page, 'counter-claimed-elsewhere');

    // Held longer for goods on order, then released: the second pharmacy may take it.
    await page.getByRole('button', { name: /Garder 3 jours/ }).click();
    await expect.poll(() => page.locator('.timeline li[data-type="claimed"]').count(), { timeout: 10_000 }).toBe(3);
    await page.getByRole('button', { name: 'Libérer sans délivrer' }).click();
    await expect.poll(() => page.getByText(/Ordonnance libérée/).count(), { timeout: 10_000 }).toBe(1);
    await other.page.keyboard.type(payload);
    await other.page.keyboard.press('Enter');
    await expect.poll(() => other.page.getByText(/Held for you until \d\d:\d\d/).count(), { timeout: 10_000 }).toBe(1);
    await pressByKeyboard(other.page, 'Release without dispensing');
    await expect.poll(() => other.page.getByText(/Prescription released/).count(), { timeout: 10_000 }).toBe(1);
    await other.context.close();
  });

  it("shows the patient their prescription, a DataMatrix to show, and who dispensed what", async () => {
    expect(code).not.toBe('');
    const { page } = await openPage('fr-FR', `/patient#${code}`);
    await expect.poll(() => page.locator('.timeline li[data-type="dispensed"]').count(), { timeout: 10_000 }).toBe(1);
    expect(page.url()).toBe(`${base}/patient`); // the fragment is wiped once read
    expect(await page.locator('.timeline li[data-type="dispensed"]').textContent()).toContain('Délivrée par Pharmacie des Lilas');
    expect(await page.getByText(/Signature du prescripteur et historique vérifiés/).count()).toBe(1);
    expect(await page.getByText('Active', { exact: true }).count()).toBe(1);
    const image = page.locator('img.datamatrix.large');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(decodeDataMatrix(await image.screenshot())).toBe(payload);
    await shot(page, 'patient-fr');

    // The language switch, remembered for the next visit.
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await expect.poll(() => page.getByText(/Dispensed by Pharmacie des Lilas/).count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot(page, 'patient-en');

    // A mistyped code typed by hand.
    await page.getByRole('button', { name: 'Clear the screen' }).click();
    await page.getByLabel('Prescription code').fill(code.slice(0, -1) + (code.endsWith('0') ? '1' : '0'));
    await page.getByLabel('Prescription code').press('Enter');
    await expect.poll(() => page.getByText(/Typo in the code/).count()).toBe(1);
    // A code missing characters says so (it was "incomplete or malformed").
    await page.getByLabel('Prescription code').fill(code.slice(0, -6));
    await page.getByLabel('Prescription code').press('Enter');
    await expect.poll(() => page.getByText(/Some characters are missing/).count()).toBe(1);

    // A fragment that is not even valid percent-encoding: the usual "not a code" message, and no
    // uncaught error (the last test checks that no page logged one).
    const bad = await openPage('en-GB', '/patient#%E0%A4%A');
    await expect.poll(() => bad.page.getByText('This is not an Ordo prescription code.').count()).toBe(1);
    expect(bad.page.url()).toBe(`${base}/patient`);
    await bad.context.close();
  });

  it('served everything itself, with no console error, and logged no code or patient data', async () => {
    expect(w.consoleErrors).toEqual([]);
    const text = JSON.stringify(w.logs);
    const symbols = code.replace(/-/g, '');
    for (const secret of [symbols.slice(0, 40), symbols.slice(16, 40), 'Martin', 'MARTIN', 'Jeanne', 'Paracétamol', '3400935955838']) {
      expect(text, secret).not.toContain(secret);
    }
    expect(w.logs.some((l) => l.route === '/prescribe')).toBe(true);
  });
});
