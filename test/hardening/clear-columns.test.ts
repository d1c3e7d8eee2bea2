/**
 * What a copy of the database shows without the token key (issue 14, point 5): no `controlled`
 * flag, no pace, no substitutability, nothing per item beyond counts; the sealed terms of a
 * narcotic prescription and of any other with as many items are the same length; and every
 * clear column is one docs/design.md lists, with its reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { unpackSealed } from '../../src/store/codec.js';
import { issue, withCast } from '../support/harness.js';
import { claim, dispense } from '../support/redeem.js';

const { h, doctor, pharmacy } = await withCast();

const item = (over: Record<string, unknown>) => ({ code: { system: 'CIP13', value: '3400935955838' }, label: 'Produit', dosage: 'selon besoin', quantity: 1, unit: 'boîte', ...over });
const narcotic = { controlled: true, items: [item({ quantity: 1, supplyDays: 28, substitutable: false, substitutionReason: 'MTE' })] };
const ordinary = { items: [item({ quantity: 3, renewals: 0 })] };
/** The sealed terms as the row holds them (packed: store/codec.ts), and as the JWE they rebuild to. */
const packedTermsOf = (id: string) => (h.db.prepare('select terms from prescriptions where id = ?').get(id) as { terms: Buffer }).terms;
const termsOfRow = (id: string) => unpackSealed(packedTermsOf(id), id, 'terms');

describe('the clear columns', () => {
  it('reveal no controlled flag, no pace, no substitutability: the terms are sealed, one length for n items', async () => {
    const a = await issue(h, doctor, narcotic);
    const b = await issue(h, doctor, ordinary);
    for (const id of [a.id, b.id]) {
      const header = decodeProtectedHeader(termsOfRow(id));
      expect(header).toMatchObject({ alg: 'dir', enc: 'A256GCM', 'ordo:rx': id, 'ordo:idx': 0, 'ordo:doc': 'terms' });
    }
    expect(termsOfRow(a.id).length).toBe(termsOfRow(b.id).length);
    expect(packedTermsOf(a.id).length).toBe(packedTermsOf(b.id).length);

    const files = readdirSync(h.dir).filter((f) => f.startsWith('ordo.db'));
    const raw = Buffer.concat(files.map((f) => readFileSync(join(h.dir, f)))).toString('latin1');
    for (const word of ['controlled', 'supplyDays', 'substitutable', 'substitution', 'substitutionReason', 'renewals']) expect(raw.includes(word), word).toBe(false);
  });

  it('the sealed terms are what a dispense is decided on, and survive a code rotation', async () => {
    const r = await issue(h, doctor, narcotic);
    const before = termsOfRow(r.id);
    const rotated = (await (await h.call(doctor, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { rotate: true }, sub: r.id })).json()) as { code: string };
    expect(termsOfRow(r.id)).not.toBe(before);
    const c = await claim(h, pharmacy, rotated.code);
    expect(c.status).toBe(201);
    expect(c.body.prescription.remaining).toEqual([{ item: 0, total: 1, dispensed: 0, remaining: 1, dispensableNow: 1, dueAt: null }]);
    const refused = await dispense(h, pharmacy, r.id, c.body.claim.id, [{ item: 0, quantity: 1, substitution: { type: 'generic' } }]);
    expect([refused.status, refused.body.code]).toEqual([422, 'substitution_forbidden']);
    const done = await dispense(h, pharmacy, r.id, c.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect([done.status, done.body.status]).toEqual([201, 'completed']);
  });

  it('are exactly the ones docs/design.md lists in "What stays in clear"', () => {
    const design = readFileSync(join(import.meta.dirname, '../../docs/design.md'), 'utf8');
    const section = design.slice(design.indexOf('### What stays in clear'), design.indexOf('## States and transitions'));
    const documented = new Map<string, Set<string>>();
    let table = '';
    for (const line of section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| table'))) {
      const [t, columns] = line.split('|').slice(1, 3).map((c) => c.trim());
      for (const name of [...t!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!)) table = name;
      const tables = [...t!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
      for (const name of tables.length ? tables : [table]) {
        const set = documented.get(name) ?? new Set<string>();
        if (columns === 'every column') set.add('*');
        else for (const m of columns!.matchAll(/`([a-z_]+)`/g)) set.add(m[1]!);
        documented.set(name, set);
      }
    }
    const tables = (h.db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as { name: string }[]).map((t) => t.name);
    expect(new Set(tables)).toEqual(new Set(documented.keys()));
    for (const t of tables) {
      const columns = (h.db.prepare(`pragma table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
      if (documented.get(t)!.has('*')) continue;
      expect(new Set(columns), t).toEqual(documented.get(t));
    }
  });
});
