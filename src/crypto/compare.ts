/** Comparisons that must not leak, through their timing, where two secrets first differ. */

/**
 * Constant-time equality for equal lengths (no early exit: every byte is XORed into the
 * result). Different lengths give false at once; lengths are not secret here.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
