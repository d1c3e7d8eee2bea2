/**
 * What the FHIR mapping is made from: the answers of Ordo's existing views, as they are. The
 * prescriber's bundle is a function of the prescriber's view (src/service/view.ts) and their
 * own directory entry; the code holder's of the lookup (src/service/lookup.ts) and the public
 * directory entries of the pharmacies in its trace. So neither bundle can tell more than the
 * view it mirrors.
 */
import type { RemainingEntry } from '../domain/accounting.js';
import type { ActorKind, EventActor, EventType, PrescriptionStatus } from '../domain/events.js';

/** A directory entry, as far as FHIR shows one. */
export type DirectoryActor = { id: string; name: string | null; profession?: string | null; specialty?: string | null };

/** The prescriber's view of one prescription (its events without proofs, pharmacies as `{ kind }` only). */
export type PrescriberViewSource = {
  id: string;
  status: PrescriptionStatus;
  issuedAt: string;
  validUntil: string;
  remaining: RemainingEntry[];
  nextDueAt: string | null;
  claimedUntil: string | null;
  events: { index: number; type: EventType; at: string; actor: EventActor | { kind: ActorKind }; claim: string | null; hash: string }[];
};

/** The code holder's lookup: the document opened, the trace with proofs and receipts. */
export type LookupSource = {
  prescription: { id: string; content: Record<string, unknown> | null; prescriber: DirectoryActor; issuedAt: string; validUntil: string };
  status: PrescriptionStatus;
  remaining: RemainingEntry[];
  nextDueAt: string | null;
  cancelReason: string | null;
  events: { index: number; type: EventType; at: string; actor: EventActor; claim: string | null; proof: string | null; hash: string; receipt: string }[];
};

/** Common to both: the deployment's issuer (`ORDO_ISSUER`) and the export's time (RFC 3339). */
export type ExportContext = { issuer: string; now: string };
