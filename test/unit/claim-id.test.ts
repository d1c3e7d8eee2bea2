import { describe, expect, it } from 'vitest';
import { newClaimId } from '../../src/service/claim.js';

describe('claim ids', () => {
  // One id in 64 began with '-' when the 16 bytes were drawn whole, and `ordo dispense -xyz…`
  // then read the id as an unknown option: 4,096 draws find one with near certainty.
  it('are 22 base64url characters, never begin with "-", and do not repeat', () => {
    const ids = Array.from({ length: 4096 }, newClaimId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-f][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id[0])).size).toBe(32);
  });
});
