/**
 * A transition as it is written (store/codec.ts), and the numbering of receipt signers that its
 * packed receipts refer to (table receipt_signers).
 */
import type { ReceiptSigner } from '../crypto/receipt.js';
import { packDispensation, packEvent, packPrescription, packSealed, receiptSplitOf, type Packer, type ReceiptSplit, type SignerIds, type StoredDispensation, type StoredEvent, type StoredPrescription } from './codec.js';
import type * as s from './schema.js';
import type { Transition } from './types.js';

/** A transition with its rows in their stored form. */
export type PackedTransition = {
  prescription: { insert: StoredPrescription } | { id: string; expectedVersion: number; set: Partial<StoredPrescription> };
  events: Omit<StoredEvent, 'seq'>[];
  token?: Transition['token'];
  dispensation?: StoredDispensation;
  reseal?: { idx: number; proof: Uint8Array | string }[];
  terms?: Uint8Array | string;
  /**
   * The event feed's new readers (store/feed-schema.ts): the prescriber when it is issued, a
   * pharmacy at its claim (from that event on; one already reading stays as it is). Every event
   * then gets a feed row for each of the prescription's readers.
   */
  readers: FeedReader[];
};

export type FeedReader = { actorId: string; sinceIdx: number };

/** Who starts reading the prescription's events with this transition. */
function readersOf(t: Transition): FeedReader[] {
  const readers: FeedReader[] = 'insert' in t.prescription ? [{ actorId: t.prescription.insert.prescriberId, sinceIdx: 0 }] : [];
  for (const e of t.events) if (e.type === 'claimed') readers.push({ actorId: (JSON.parse(e.actor) as { id: string }).id, sinceIdx: e.idx });
  return readers;
}

/** Each event's receipt split (store/codec.ts), done once: the signers are numbered from them, then the events packed with them. */
export const receiptSplits = (t: Transition): ReceiptSplit[] => t.events.map(receiptSplitOf);

/** Synchronous: the signers of `splits` are numbered first (ReceiptSigners.add or addNow). */
export function packTransition(packer: Packer, t: Transition, splits: ReceiptSplit[], signerIds: SignerIds): PackedTransition {
  const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
  const events: PackedTransition['events'] = [];
  for (let i = 0; i < t.events.length; i++) {
    const e = t.events[i]!;
    // The first event chains onto the head, which is the hash of the event before it.
    events.push(packEvent(packer, e, i === 0 ? e.prevHash : t.events[i - 1]!.hash, splits[i]!, signerIds));
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
    readers: readersOf(t),
  };
}

type SignerRow = typeof s.receiptSigners.$inferSelect;

/** The table receipt_signers, as each store reads and writes it. */
export type SignerTable = {
  all(): Promise<SignerRow[]>;
  /** Adds a signer unless it is there already (another process may have added it). */
  insert(signer: ReceiptSigner): Promise<unknown>;
};

/** Receipt signers by number and by `alg kid iss`: a handful per database, kept once read. */
export class ReceiptSigners {
  private readonly byId = new Map<number, ReceiptSigner>();
  private readonly byName = new Map<string, number>();

  constructor(private readonly table: SignerTable) {}

  /** The signer numbered `id` (read again when it is not known yet: another process added it). */
  async of(id: number): Promise<ReceiptSigner> {
    if (!this.byId.has(id)) this.keep(await this.table.all());
    const signer = this.byId.get(id);
    if (!signer) throw new Error(`receipt signer ${id} is not in receipt_signers`);
    return signer;
  }

  /** Numbers the signers not numbered yet, adding them to receipt_signers. */
  async add(signers: ReceiptSigner[]): Promise<void> {
    for (const signer of signers) {
      if (this.byName.has(nameOf(signer))) continue;
      await this.table.insert(signer);
      this.keep(await this.table.all());
    }
  }

  /**
   * The same, synchronously, through a driver that answers at once (better-sqlite3): a commit
   * is then queued in the call that makes it, so a close() right after still writes it.
   */
  addNow(signers: ReceiptSigner[], insert: (signer: ReceiptSigner) => void, all: () => SignerRow[]): void {
    for (const signer of signers) {
      if (this.byName.has(nameOf(signer))) continue;
      insert(signer);
      this.keep(all());
    }
  }

  /** Whether every signer is numbered, the table read again once if not (a reader: it adds none). */
  knowNow(signers: ReceiptSigner[], all: () => SignerRow[]): boolean {
    const known = () => signers.every((signer) => this.byName.has(nameOf(signer)));
    if (known()) return true;
    this.keep(all());
    return known();
  }

  /** The number of a signer already added. */
  readonly idOf = (signer: ReceiptSigner): number => {
    const id = this.byName.get(nameOf(signer));
    if (id === undefined) throw new Error('receipt signer not recorded');
    return id;
  };

  private keep(rows: SignerRow[]) {
    for (const r of rows) {
      this.byId.set(r.id, { alg: r.alg, kid: r.kid, iss: r.iss });
      this.byName.set(nameOf(r), r.id);
    }
  }
}

const nameOf = (r: ReceiptSigner) => `${r.alg} ${r.kid} ${r.iss}`;
