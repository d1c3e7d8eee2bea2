/** What `createApp` is built from. Entry points and tests assemble it; nothing else is global. */
import type { Context } from 'hono';
import type { JWK } from 'jose';
import type { Config } from './config.js';
import type { OrdoSigner, TokenKey } from './crypto/ordo-keys.js';
import type { CryptoSuite } from './crypto/suite/types.js';
import type { Store } from './store/types.js';

export type OrdoKeys = {
  /** The registrar's bearer token. */
  adminToken: string;
  /** Signs receipts now. */
  signer: OrdoSigner;
  /** Public JWKs of receipt keys no longer used, still published so old receipts verify. */
  retired: JWK[];
  /** Derives codes and seals content. */
  tokenKey: TokenKey;
  /** The log's note key (private Ed25519 JWK): signs every checkpoint. */
  logKey: JWK;
};

export type LogLine = Record<string, string | number | boolean | null | undefined>;

export type Deps = {
  store: Store;
  config: Config;
  /** The runtime's cryptography: node:crypto on Node, WebCrypto on Workers (src/crypto/suite). */
  crypto: CryptoSuite;
  keys: OrdoKeys;
  /** Epoch milliseconds. Tests inject a fixed or stepping clock. In a sandbox, the sandbox's time (moved by POST /v1/admin/clock). */
  clock: () => number;
  /**
   * Real time, epoch ms, where it differs from `clock` (a sandbox whose clock was moved): only to
   * compute the sandbox's offset. Everything else, what clients sign included, is on `clock`.
   * Unset: `clock`.
   */
  realClock?: () => number;
  /** One structured line per request. Must never receive a code or patient data. */
  log: (line: LogLine) => void;
  /** The client's address, for the failed-code limit. */
  clientAddress: (c: Context) => string;
  /** Built browser files (`app/…` for the pages, `docs/…` for Swagger UI), by name; undefined when absent. */
  asset?: (name: string) => Promise<{ body: string | Uint8Array; type: string } | undefined>;
};
