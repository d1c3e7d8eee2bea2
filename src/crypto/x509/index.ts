/** Certificates of a health PKI: the one module the rest of Ordo imports (see types.ts). */
export { parseTrustAnchors } from './anchors.js';
export { validateChain, type ChainOptions } from './chain.js';
export { verifyCrl, type CrlOptions } from './crl.js';
export { checkCertifiedAt, readCrls } from './offline.js';
export * from './types.js';
