/**
 * `ordo demo`: the whole story. A prescriber and two pharmacies with fresh keys; a renewable
 * two-item prescription; its DataMatrix; part dispensed at one pharmacy, the rest at the other;
 * then the timeline and the verification of the trace. True only when the trace verifies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportTrace, timeline, verifyBundle } from '../client/bundle.js';
import { OrdoClient } from '../client/client.js';
import { generateKey } from '../client/sign.js';
import { CliError, given, type GlobalOptions } from './context.js';
import { openOutput } from './files.js';

/** `png`: where the DataMatrix goes; by default a new file in the system's temporary folder, never the current one. */
export type DemoOptions = GlobalOptions & { remote?: boolean; png?: string; out: (line: string) => void };

export async function runDemo(o: DemoOptions): Promise<boolean> {
  const adminToken = given(o.adminToken) ?? given(process.env.ORDO_ADMIN_TOKEN);
  if (o.remote && !adminToken) throw new CliError('demo --remote registers actors: give --admin-token (or ORDO_ADMIN_TOKEN)');
  const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const png = o.png ? openOutput(o.png, { overwrite: true }) : openOutput(join(tmpdir(), `ordo-demo-${tag}-datamatrix.png`), { overwrite: false });
  let stop = async () => {};
  try {
    let base: OrdoClient;
    if (o.remote) {
      base = new OrdoClient({ url: given(o.url) ?? 'http://localhost:8787', issuer: given(o.issuer), adminToken });
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'ordo-demo-'));
      const { startNode } = await import('../node/server.js');
      const server = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') }, log: () => {} });
      base = new OrdoClient({ url: `http://127.0.0.1:${server.port}`, issuer: server.deps.config.issuer, adminToken: server.deps.keys.adminToken });
      stop = async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      };
      o.out(`Ordo started in-process on ${base.url} with a temporary database`);
    }
    const [rxKey, aKey, bKey] = await Promise.all([generateKey('Ed25519'), generateKey('Ed25519'), generateKey('P-256')]);
    const doctor = { id: `demo-md-${tag}`, key: rxKey };
    const pharmA = { id: `demo-ph-a-${tag}`, key: aKey };
    const pharmB = { id: `demo-ph-b-${tag}`, key: bKey };
    await base.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Claire Roussel', profession: 'médecin', specialty: 'médecine générale', keys: [rxKey.publicJwk] });
    await base.addActor({ id: pharmA.id, kind: 'pharmacy', name: 'Pharmacie des Lilas', profession: 'pharmacien', keys: [aKey.publicJwk] });
    await base.addActor({ id: pharmB.id, kind: 'pharmacy', name: 'Pharmacie du Marché', profession: 'pharmacien', keys: [bKey.publicJwk] });
    o.out(`registered ${doctor.id} (Ed25519), ${pharmA.id} (Ed25519), ${pharmB.id} (P-256)`);

    const rx = await base.as(doctor).prescribe(
      {
        prescriber: { name: 'Dr Claire Roussel', profession: 'médecin' },
        patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12', sex: 'female' },
        renewals: 1,
        items: [
          { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte' },
          { code: { system: 'CIP7', value: '3595583' }, label: 'Amoxicilline 1 g', dosage: '1 comprimé matin et soir', quantity: 1, unit: 'boîte', substitutable: false, substitutionReason: 'MTE' },
        ],
      },
      { datamatrix: 'png' },
    );
    if (!rx.datamatrix || !('png' in rx.datamatrix)) throw new CliError('Ordo answered without the DataMatrix asked for');
    png.write(Buffer.from(rx.datamatrix.png, 'base64'));
    o.out(`issued ${rx.id}, valid until ${rx.validUntil}; code ${rx.code}; DataMatrix written to ${png.path}`);

    const a = base.as(pharmA);
    const claimA = await a.claim(rx.payload);
    const partA = await a.dispense(claimA.claim.id, rx.id, [{ item: 0, quantity: 2, lot: 'A123' }, { item: 1, quantity: 1 }]);
    o.out(`${pharmA.id} dispensed part: ${partA.remaining.map((r) => `item ${r.item} ${r.remaining} left`).join(', ')}`);
    const b = base.as(pharmB);
    const claimB = await b.claim(rx.code);
    const rest = await b.dispense(claimB.claim.id, rx.id, claimB.prescription.remaining.filter((r) => r.remaining > 0).map((r) => ({ item: r.item, quantity: r.remaining })));
    o.out(`${pharmB.id} dispensed the rest: prescription ${rest.status}`);

    const bundle = await exportTrace(base, rx.code);
    const result = await verifyBundle(bundle, [rx.receipt, partA.receipt, rest.receipt]);
    o.out('');
    for (const line of timeline(bundle)) o.out(line);
    o.out(result.ok ? `\nverified: ${result.events} events, every hash, signature and receipt` : `\nNOT VERIFIED at event ${result.index} (${result.check}): ${result.message}`);
    return result.ok;
  } finally {
    png.discard(); // a no-op once written
    await stop();
  }
}
