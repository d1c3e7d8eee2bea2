/**
 * Pieces shared by every resource of the HTTP API: the problem document, ids, prescription
 * states, event types, actor kinds, per-item accounting and the DataMatrix image.
 */
import { z } from '@hono/zod-openapi';
import { problemCodes } from '../domain/errors.js';
import { actorKinds, eventTypes, prescriptionStatuses } from '../domain/events.js';

/**
 * The values of the OpenAPI document's examples: one real story (issued, claimed, dispensed, in
 * the log) on an Ordo at https://ordo.example, 2026-11-28T10:00Z, with the design's prescription.
 * They must stay consistent with each other and pass their schemas (test/routes/openapi.test.ts).
 */
export const sample = {
  prescriptionId: "W65QTGQYPF17RMHR",
  code: "W65QT-GQYPF-17RMH-RK38S-A40EF-H1TEA-95Z26-QD092-9",
  payload: "ORDO1:W65QTGQYPF17RMHRK38SA40EFH1TEA95Z26QD092",
  prescriberId: "10001234567",
  pharmacyId: "75001234567",
  prescriberKid: "5nd5X5sl10j2dMgbqDCVxg7Nl7hgQGZQK_AggTN2wqY",
  pharmacyKid: "vXZtra3cIG93Iy_V9bRB1u1o77xAQ6vEy1z4DKS2Ztw",
  prescriberJwk: {"kty":"OKP","crv":"Ed25519","x":"qkSibgPz-ZWjAB_bhrafpmb0mEN329KYdnBBawmdZwE"},
  claimId: "XSQrhPH8STQUfXcD-3TBgg",
  document: "eyJhbGciOiJFZERTQSIsImtpZCI6IjVuZDVYNXNsMTBqMmRNZ2JxRENWeGc3Tmw3aGdRR1pRS19BZ2dUTjJ3cVkiLCJ0eXAiOiJvcmRvLXJ4K2p3dCJ9.eyJpc3MiOiIxMDAwMTIzNDU2NyIsImF1ZCI6Imh0dHBzOi8vb3Jkby5leGFtcGxlIiwianRpIjoicngtMjAyNi0xMS0yOC0wMDAxIiwiaWF0IjoxNzk1ODYwMDAwLCJwcmVzY3JpYmVyIjp7Im5hbWUiOiJEciBDbGFpcmUgUm91c3NlbCIsInByb2Zlc3Npb24iOiJtw6lkZWNpbiIsInN0cnVjdHVyZSI6eyJpZCI6Ijc1MDAxMjM0NSIsIm5hbWUiOiJDYWJpbmV0IGRlcyBMaWxhcyJ9fSwicGF0aWVudCI6eyJmYW1pbHkiOiJNYXJ0aW4iLCJnaXZlbiI6WyJKZWFubmUiXSwiYmlydGhEYXRlIjoiMTk0OC0wMy0xMiIsInNleCI6ImZlbWFsZSIsImlucyI6eyJ2YWx1ZSI6IjI0ODAzNzUxMjM0NTY3OCIsIm9pZCI6IjEuMi4yNTAuMS4yMTMuMS40LjgiLCJxdWFsaWZpZWQiOnRydWV9LCJ3ZWlnaHRLZyI6NjF9LCJpdGVtcyI6W3siY29kZSI6eyJzeXN0ZW0iOiJDSVAxMyIsInZhbHVlIjoiMzQwMDkzNTk1NTgzOCJ9LCJsYWJlbCI6IlBhcmFjw6l0YW1vbCAxIGcsIGNvbXByaW3DqSIsImFjdGl2ZUluZ3JlZGllbnQiOiJwYXJhY8OpdGFtb2wiLCJkb3NhZ2UiOiIxIGNvbXByaW3DqSAzIGZvaXMgcGFyIGpvdXIiLCJxdWFudGl0eSI6MiwidW5pdCI6ImJvw650ZSIsInN1cHBseURheXMiOjMwLCJyZW5ld2FscyI6Miwic3Vic3RpdHV0YWJsZSI6dHJ1ZX1dLCJyZW5ld2FscyI6MCwiY29udHJvbGxlZCI6ZmFsc2UsInJlcGxhY2VzIjpudWxsLCJleHRlcm5hbElkcyI6W119.gVnX8S-ZajiHvKRK5QK406b3ADtueUZsLv1NStvUezs2lOWyhaCK7cud1aQrzUJoYwldTQvF7L9i7BHx1dQYAA",
  dispensation: "eyJhbGciOiJFZERTQSIsImtpZCI6InZYWnRyYTNjSUc5M0l5X1Y5YlJCMXUxbzc3eEFRNnZFeTF6NERLUzJadHciLCJ0eXAiOiJvcmRvLWRpc3BlbnNlK2p3dCJ9.eyJpc3MiOiI3NTAwMTIzNDU2NyIsImF1ZCI6Imh0dHBzOi8vb3Jkby5leGFtcGxlIiwianRpIjoiZC0wMDAxIiwiaWF0IjoxNzk1ODYwMDYwLCJwcmVzY3JpcHRpb24iOiJXNjVRVEdRWVBGMTdSTUhSIiwiY2xhaW0iOiJYU1FyaFBIOFNUUVVmWGNELTNUQmdnIiwiZGlzcGVuc2VkQnkiOnsiaWQiOiIxMDAwNzY1NDMyMSIsIm5hbWUiOiJQYXVsIEhhbW9uIn0sImlkZW50aXR5Q2hlY2siOiJ2aXRhbGUiLCJsaW5lcyI6W3siaXRlbSI6MCwicXVhbnRpdHkiOjEsInN1YnN0aXR1dGlvbiI6bnVsbCwicmVhc29uIjpudWxsLCJsb3QiOiJBMTIzIn1dfQ.mPFA7uDhS_e2RfbUL44tZ2eex8swC7qACJFqNq9teDlTnzIJX1OHsVpadwDh9L75S1cVVzqhnVqlkDECPMDwCA",
  receipts: ["eyJhbGciOiJFZERTQSIsImtpZCI6IllWYWlicG56cEUyWjhyMWVQMzJhQ0VQTk9sOXpCd1dWLVktd0VGQjIwVGMiLCJ0eXAiOiJvcmRvLXJlY2VpcHQrand0In0.eyJldnQiOnsiaW5kZXgiOjAsInR5cGUiOiJpc3N1ZWQiLCJhdCI6IjIwMjYtMTEtMjhUMTA6MDA6MDAuMDAwWiIsImNsYWltIjpudWxsLCJoYXNoIjoiS25oYnR2SEFNRmxQZzBrMFRzRW0xMWZVbVBTTVNWWUY5T0R4LTlfVUhuayIsInByZXZIYXNoIjoiQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQSJ9LCJpc3MiOiJodHRwczovL29yZG8uZXhhbXBsZSIsInN1YiI6Ilc2NVFUR1FZUEYxN1JNSFIiLCJpYXQiOjE3OTU4NjAwMDB9.a0rQVBr2cSQ0fxdnW7CSWOu4LS0VZ8uUPPT1tn6cKC0zNxXzJhpewxaVxY9nIDk7r5y1YJOIPwLQfqBaNDe7BQ","eyJhbGciOiJFZERTQSIsImtpZCI6IllWYWlicG56cEUyWjhyMWVQMzJhQ0VQTk9sOXpCd1dWLVktd0VGQjIwVGMiLCJ0eXAiOiJvcmRvLXJlY2VpcHQrand0In0.eyJldnQiOnsiaW5kZXgiOjEsInR5cGUiOiJjbGFpbWVkIiwiYXQiOiIyMDI2LTExLTI4VDEwOjAwOjAwLjAwMFoiLCJjbGFpbSI6IlhTUXJoUEg4U1RRVWZYY0QtM1RCZ2ciLCJoYXNoIjoiTnVJLVpCV20xOUNJeXQ0TF9BVmI2Z0NGVWlHNXdvWkZNVndFUFFwdmswNCIsInByZXZIYXNoIjoiS25oYnR2SEFNRmxQZzBrMFRzRW0xMWZVbVBTTVNWWUY5T0R4LTlfVUhuayIsImNsYWltZWRVbnRpbCI6IjIwMjYtMTEtMjhUMTA6MTA6MDAuMDAwWiJ9LCJpc3MiOiJodHRwczovL29yZG8uZXhhbXBsZSIsInN1YiI6Ilc2NVFUR1FZUEYxN1JNSFIiLCJpYXQiOjE3OTU4NjAwMDB9.0fyRyFC9cr9byr6jyznVHM59ToZaCjK_SSTvhU1UytDozvMLS1WaEyNk0n-Q_O_2BRwbn5yh0wVh2hgd5u9PCg","eyJhbGciOiJFZERTQSIsImtpZCI6IllWYWlicG56cEUyWjhyMWVQMzJhQ0VQTk9sOXpCd1dWLVktd0VGQjIwVGMiLCJ0eXAiOiJvcmRvLXJlY2VpcHQrand0In0.eyJldnQiOnsiaW5kZXgiOjIsInR5cGUiOiJkaXNwZW5zZWQiLCJhdCI6IjIwMjYtMTEtMjhUMTA6MDE6MDAuMDAwWiIsImNsYWltIjoiWFNRcmhQSDhTVFFVZlhjRC0zVEJnZyIsImhhc2giOiJLRUFJN3VlT0ZZcGdRUkEwUXA5OTFvZkNWVTFrRXNMQ1F3VHJLc2xRb21FIiwicHJldkhhc2giOiJOdUktWkJXbTE5Q0l5dDRMX0FWYjZnQ0ZVaUc1d29aRk1Wd0VQUXB2azA0In0sImlzcyI6Imh0dHBzOi8vb3Jkby5leGFtcGxlIiwic3ViIjoiVzY1UVRHUVlQRjE3Uk1IUiIsImlhdCI6MTc5NTg2MDA2MH0.TALkixQU48tNkR8MobiKK3E6t-8ARzTMcVWTT9abAZdAqOF5sn_ith3nYF07DLmUntLiMJTJv1vv9YVcmRRSCg"],
  hashes: ["KnhbtvHAMFlPg0k0TsEm11fUmPSMSVYF9ODx-9_UHnk","NuI-ZBWm19CIyt4L_AVb6gCFUiG5woZFMVwEPQpvk04","KEAI7ueOFYpgQRA0Qp991ofCVU1kEsLCQwTrKslQomE"],
  proofHashes: ["LtjhSwGGWBJTexvsiGkds0scpcyhvrle_MQZNbCM_Dw","HZur87PporgPx15SkbpwwlRVcAtjmfU8Z39tLfHHYDo","_UMYWL4CqGcrLSBWJ8VwybnMroQbU4EwMMM5uOV9J2Y"],
  claimToken: "eyJhbGciOiJFZERTQSIsImtpZCI6InZYWnRyYTNjSUc5M0l5X1Y5YlJCMXUxbzc3eEFRNnZFeTF6NERLUzJadHciLCJ0eXAiOiJvcmRvLXJlcStqd3QifQ.eyJpc3MiOiI3NTAwMTIzNDU2NyIsImF1ZCI6Imh0dHBzOi8vb3Jkby5leGFtcGxlIiwiaWF0IjoxNzk1ODYwMDAwLCJleHAiOjE3OTU4NjAxMjAsImp0aSI6InRmZzZMdV8xb1NQTFZZV2xzMGp1aWlTRCIsImh0bSI6IlBPU1QiLCJodHUiOiIvdjEvY2xhaW1zIiwiYmRoIjoiS2hWNVFiVVVVRmdMY3hWamNfOUFVWTNKTTNKYzJYdXdRTE9peTAyclo4YyIsInN1YiI6Ilc2NVFUR1FZUEYxN1JNSFIifQ.3gIqhGQTu-c7PeZLL86xt_ykpZMC82uaFVX3fU-bk206if4tiCdL4vCaArebAnVOdSHDivb1CrRm3pNz9xgiDQ",
  content: {"iss":"10001234567","aud":"https://ordo.example","jti":"rx-2026-11-28-0001","iat":1795860000,"prescriber":{"name":"Dr Claire Roussel","profession":"médecin","structure":{"id":"750012345","name":"Cabinet des Lilas"}},"patient":{"family":"Martin","given":["Jeanne"],"birthDate":"1948-03-12","sex":"female","ins":{"value":"248037512345678","oid":"1.2.250.1.213.1.4.8","qualified":true},"weightKg":61},"items":[{"code":{"system":"CIP13","value":"3400935955838"},"label":"Paracétamol 1 g, comprimé","activeIngredient":"paracétamol","dosage":"1 comprimé 3 fois par jour","quantity":2,"unit":"boîte","supplyDays":30,"renewals":2,"substitutable":true}],"renewals":0,"controlled":false,"replaces":null,"externalIds":[]},
  checkpoint: "ordo.example/log\n3\nra9I1Ch06Sk8i91kN4rKwbCH8j3eMvzo6PSgdC3SDT4=\n\n— ordo.example/log dG3+nA2+tDG0CvPKedzQ4buD0xwywyFqRZUU7CIS60ldj7UK6BP9WmtVJVM2++WlkAAZorn010NV2oFhp0A3aZQC/AI=\n",
  logKey: "ordo.example/log+746dfe9c+AZjPodNEWNwev3c6N2lAGyuhXVu5mwyOvWkAmCEoYOdp",
  inclusion: ["5ev+8/f04iEyEG2HcFQoQiawCe+l0GBHanAuJLN4fgo=","ZixQ2Enqth52r3xxqcAaRbm+WhpJuXwM+lxdxjiVJZ8="],
  consistency: ["UG/HW3NDN7k5BgdUux4eBpCLRSdEuzcvnZ6+mGrYS6Q=","ZixQ2Enqth52r3xxqcAaRbm+WhpJuXwM+lxdxjiVJZ8="],
  receiptJwk: {"kty":"OKP","crv":"Ed25519","x":"OmNEN35INjUxqZnNVC2Ovwt4vrd22PHZ43bPkME5Deo","kid":"YVaibpnzpE2Z8r1eP32aCEPNOl9zBwWV-Y-wEFB20Tc","alg":"EdDSA","use":"sig"},
  at: '2026-11-28T10:00:00.000Z',
  validUntil: '2027-02-28',
};

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    // One of Ordo's codes on the wire (the enum in the document), a string in TypeScript: the SDK
    // also gives a problem it made itself (`http_error`, an answer that is not JSON) this shape.
    code: z.string().openapi({ enum: [...problemCodes], description: 'Stable: switch on it (docs/api.md § Problem codes and what to do)', example: 'claimed_elsewhere' }),
  })
  .catchall(z.unknown())
  .openapi('Problem');
/** An RFC 9457 problem document; `code` is stable, extra members (e.g. `claimedUntil`) are the data a client acts on. */
export type V1Problem = z.infer<typeof ProblemSchema>;

export const ActorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 of A-Z a-z 0-9 . _ -')
  .openapi({ example: '10001234567' });

export const PrescriptionIdSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{16}$/, '16 Crockford base32 symbols')
  .openapi({ example: sample.prescriptionId });

/** Why a confidential body carries a salt, in the words of the 400 a body without one gets. */
export const SALT_PURPOSE = '16 or more random bytes, base64url, so that the stored request token (bdh) reveals nothing';

/**
 * The random salt of a confidential body (cancel, release with a reason). The request token that
 * proves the step is stored in clear, and its `bdh` is the SHA-256 of the body: without a salt,
 * anyone with a copy of the database could confirm a guessed reason by hashing it.
 */
export const SaltSchema = z
  .string({ error: (issue) => (issue.input === undefined ? `required: ${SALT_PURPOSE}` : `a string: ${SALT_PURPOSE}`) })
  .regex(/^[A-Za-z0-9_-]{22,86}$/, `22 to 86 characters of A-Z a-z 0-9 _ -: ${SALT_PURPOSE}`)
  .openapi({
    description:
      'Base64url of at least 16 fresh random bytes (22 to 86 characters), new for every request. The request token proving the step is stored in clear, and its `bdh` hashes this body: the salt makes that hash reveal nothing about the reason.',
    example: 'q3Jb0Zf8XcM2u1Lw9pT4sA',
  });

export const DataMatrixFormat = z.enum(['svg', 'png']).openapi({ description: 'Also return the DataMatrix image (SVG text or base64 PNG).' });
export type V1DataMatrixFormat = z.infer<typeof DataMatrixFormat>;

export const DataMatrixImageSchema = z
  .union([z.object({ svg: z.string() }), z.object({ png: z.string().openapi({ description: 'base64' }) })])
  .openapi('DataMatrixImage');
export type V1DataMatrixImage = z.infer<typeof DataMatrixImageSchema>;

export const StatusSchema = z.enum(prescriptionStatuses).openapi('PrescriptionStatus');
export type V1Status = z.infer<typeof StatusSchema>;

export const EventTypeSchema = z.enum(eventTypes);
export type V1EventType = z.infer<typeof EventTypeSchema>;

export const ActorKindSchema = z.enum(actorKinds);
export type V1ActorKind = z.infer<typeof ActorKindSchema>;

export const RemainingSchema = z
  .array(
    z.object({
      item: z.number().int(),
      total: z.number().int(),
      dispensed: z.number().int(),
      remaining: z.number().int(),
      dispensableNow: z.number().int().optional().openapi({ description: 'How much of the item may be dispensed now (what is left, within its pace); 0 on a closed prescription. Absent from an answer recorded before it existed (a retried dispense).' }),
      dueAt: z.string().nullable().optional().openapi({ description: 'When none may be dispensed now but some is left: the instant the next unit may be; else null.' }),
    }),
  )
  .openapi('Remaining', { example: [{ item: 0, total: 6, dispensed: 1, remaining: 5, dispensableNow: 5, dueAt: null }] });
export type V1Remaining = z.infer<typeof RemainingSchema>;
