/**
 * A transition as it is written (store/codec.ts), and the numbering of receipt signers that its
 * packed receipts refer to (table receipt_signers).
 */
import type { ReceiptSigner } from '../crypto/receipt.js';
import { packDispensation, packEvent, packPrescription, packSealed, type Packer, type SignerIds, type StoredDispensation, type StoredEvent, type StoredPrescription } from './codec.js';
import type { Db } from './db.js';
import * as s from './schema.js';
import type { Transition } from './types.js';

/** A transition with its rows in their stored form. */
export type PackedTransition = {
  prescription: { insert: StoredPrescription } | { id: string; expectedVersion: number; set: Partial<StoredPrescription> };
  events: Omit<StoredEvent, 'seq'>[];
  token?: Transition['token'];
  dispensation?: StoredDispensation;
  reseal?: { idx: number; proof: Uint8Array | string }[];
  terms?: Uint8Array | string;
};

export async function packTransition(packer: Packer, t: Transition, signerIds: SignerIds): Promise<PackedTransition> {
  const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
  const events: PackedTransition['events'] = [];
  for (let i = 0; i < t.events.length; i++) {
    const e = t.events[i]!;
    // The first event chains onto the head, which is the hash of the event before it.
    events.push(await packEvent(packer, e, i === 0 ? e.prevHash : t.events[i - 1]!.hash, signerIds));
  }
  const prescription =
    'insert' in t.prescription
      ? { insert: packPrescription(id, t.prescription.insert) as StoredPrescription }
      : { ...t.prescription, set: packPrescription(id, t.prescription.set) as Partial<StoredPrescription> };
  return {
    prescription,
    events,
    ...(t.token && { token: t.token }),
    ...(t.dispensation && { dispensation: packDispensation(packer, t.dispensation) }),
    ...(t.reseal && { reseal: t.reseal.map((r) => ({ idx: r.idx, proof: packSealed(r.proof, id, r.doc) })) }),
    ...(t.terms !== undefined && { terms: packSealed(t.terms, id, 'terms') }),
  };
}

/** Receipt signers by number and by `alg kid iss`: a handful per database, kept once read. */
export class ReceiptSigners {
  private readonly byId = new Map<number, ReceiptSigner>();
  private readonly byName = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** The signer numbered `id` (read again when it is not known yet: another process added it). */
  async of(id: number): Promise<ReceiptSigner> {
    if (!this.byId.has(id)) await this.read();
    const signer = this.byId.get(id);
    if (!signer) throw new Error(`receipt signer ${id} is not in receipt_signers`);
    return signer;
  }

  /** The number of a signer, which is added to receipt_signers the first time it signs. */
  async idOf(signer: ReceiptSigner): Promise<number> {
    const name = `${signer.alg} ${signer.kid} ${signer.iss}`;
    let id = this.byName.get(name);
    if (id === undefined) {
      await this.db.insert(s.receiptSigners).values(signer).onConflictDoNothing().run();
      await this.read();
      id = this.byName.get(name);
      if (id === undefined) throw new Error('receipt signer not recorded');
    }
    return id;
  }

  private async read() {
    for (const r of await this.db.select().from(s.receiptSigners).all()) {
      this.byId.set(r.id, { alg: r.alg, kid: r.kid, iss: r.iss });
      this.byName.set(`${r.alg} ${r.kid} ${r.iss}`, r.id);
    }
  }
}
