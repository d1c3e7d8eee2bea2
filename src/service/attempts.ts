/**
 * The failed-code limit: at most 20 failed codes per bucket in a sliding ten-minute window. A
 * pharmacy's claims count against the pharmacy, so that everyone behind one address (a chain's
 * NAT) is not locked out by one counter's typos; the holder routes, which anyone may call,
 * count against the address: IPv4 as is, IPv4-mapped IPv6 as the IPv4 it maps, other IPv6 by
 * its /64 (a client rotates through its /64 at will). A bucket is stored only as a keyed MAC.
 *
 * A right code costs one read and no write. A wrong one is counted by one atomic increment that
 * returns the new count, and that count decides its answer: 404 up to the limit, 429 beyond.
 * Concurrent wrong codes in several processes each get their own count, so no more than 20 are
 * ever answered 404 in a window, however many arrive at once.
 */
import ipaddr from 'ipaddr.js';
import { keyedMac } from '../crypto/ordo-keys.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';

export const WINDOW_MS = 10 * 60 * 1000;
export const MAX_FAILURES = 20;

/** Who a failed code counts against: an authenticated pharmacy, or the address of an anonymous caller. */
export type Attempter = { pharmacy: string } | { address: string };

/** The address as the limit counts it (see the file comment); anything that is not an address, as given. */
export function addressBucket(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const prefix = ip.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...prefix, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}

export type AttemptLimit = {
  /** Counts a wrong code; throws 429 when it is beyond the limit (the caller answers 404 otherwise). */
  failed(): Promise<void>;
};

/**
 * Opens an attempt for `who`, or throws 429 `too_many_attempts` (with `retryAfter`) when 20 codes
 * failed in the last ten minutes.
 */
export async function openAttempt(deps: Deps, who: Attempter): Promise<AttemptLimit> {
  const now = deps.clock();
  const bucket = 'pharmacy' in who ? `pharmacy:${who.pharmacy}` : `address:${addressBucket(who.address)}`;
  const client = (await keyedMac(deps.keys.tokenKey, 'client', bucket)).slice(0, 22);
  const window = Math.floor(now / WINDOW_MS);
  const { current, previous } = await deps.store.failedAttempts(client, window);
  const overlap = 1 - (now - window * WINDOW_MS) / WINDOW_MS;
  const refuse = () => {
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    const from = 'pharmacy' in who ? 'this pharmacy' : 'this network address';
    return new OrdoError('too_many_attempts', `Too many wrong codes from ${from}: wait before trying again.`, { retryAfter });
  };
  if (current + previous * overlap >= MAX_FAILURES) throw refuse();
  return {
    async failed() {
      const counted = await deps.store.addFailedAttempt(client, window);
      if (counted + previous * overlap > MAX_FAILURES) throw refuse();
    },
  };
}
