/**
 * docs/fhir.md's example, run as written (only its import pointed at this checkout's SDK)
 * against a listening Ordo: the bundles it fetches are valid R4, resource by resource.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, expect, it, vi } from 'vitest';
import type { Actor } from '../../src/client/client.js';
import { ISSUER, issue, withCast } from '../support/harness.js';
import { bundleProblems } from '../support/fhir-validator.js';
import { claim, dispense } from '../support/redeem.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-fhir-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs docs/fhir.md's example against a listening Ordo", async () => {
  // The SDK signs with the real clock: the server's starts at now.
  const { h, doctor, pharmacy } = await withCast({ now: Date.now() });
  const url = await h.listen();
  const rx = await issue(h, doctor);
  const claimed = await claim(h, pharmacy, rx.code);
  expect((await dispense(h, pharmacy, rx.id, claimed.body.claim.id, [{ item: 0, quantity: 1, lot: 'A123' }])).status).toBe(201);

  const doc = readFileSync(join(root, 'docs/fhir.md'), 'utf8');
  const block = /<!-- fhir-example -->\n```ts\n([\s\S]*?)```\n<!-- \/fhir-example -->/.exec(doc)?.[1];
  expect(block).toContain("from './src/client/client.js'");
  const file = join(dir, 'example.ts');
  writeFileSync(file, block!.replace("'./src/client/client.js'", JSON.stringify(join(root, 'src/client/client.ts'))));
  const { exportFhir } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { exportFhir: (o: { url: string; issuer: string; prescriber: Actor; prescriptionId: string; code: string }) => Promise<Record<'asPrescriber' | 'asHolder', { entry: { resource: Resource }[] } & Resource>> };

  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const { asPrescriber, asHolder } = await exportFhir({ url, issuer: ISSUER, prescriber: { id: doctor.id, key: doctor.key }, prescriptionId: rx.id, code: rx.code });
  const printed = log.mock.calls.map((c) => c.join(' '));
  log.mockRestore();
  expect(printed.at(-1)).toBe('Task ready');
  expect(printed).toContain(`MedicationDispense ${asHolder.entry.find((e) => e.resource.resourceType === 'MedicationDispense')!.resource.id}`);
  expect(bundleProblems(asPrescriber)).toEqual({});
  expect(bundleProblems(asHolder)).toEqual({});
  expect(JSON.stringify(asPrescriber)).not.toContain(pharmacy.id);
});
