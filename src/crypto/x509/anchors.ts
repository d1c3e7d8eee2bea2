/**
 * The trust anchors' text (ORDO_TRUST_ANCHORS, `ordo verify --anchors FILE`): PEM CERTIFICATE
 * blocks, each preceded by the settings lines (RFC 7468 explanatory text) that apply to it alone:
 *
 *   kinds: prescriber pharmacy     required: the kinds of actor the CA may certify
 *   id: serialNumber prefix 8      optional: the subject attribute holding the actor id (a name
 *                                  below or a dotted OID; default serialNumber), and a prefix to drop
 *   algs: PS256 ES256              optional: what its keys may sign with (default PS256 ES256)
 *
 * `#` starts a comment; blank lines are ignored. Every block must be a CA certificate
 * (basicConstraints cA; keyUsage, when present, with keyCertSign), each one once.
 */
import type * as pkijs from 'pkijs';
import { sha256 } from '@noble/hashes/sha2.js';
import { b64url } from '../hash.js';
import { caConstraints, hasKeyUsage, KEY_USAGE, nameText, pemBody, readCertificate } from './der.js';
import { AnchorError, type Anchor, type CertAlg, type CertifiedKind } from './types.js';

const ATTRIBUTES: Record<string, string> = {
  serialNumber: '2.5.4.5',
  commonName: '2.5.4.3',
  organizationIdentifier: '2.5.4.97',
  uid: '0.9.2342.19200300.100.1.1',
};
const DOTTED = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const KINDS: readonly string[] = ['prescriber', 'pharmacy'];
const ALGS: readonly string[] = ['PS256', 'RS256', 'ES256'];
const SETTINGS = ['kinds', 'id', 'algs'] as const;
type Setting = (typeof SETTINGS)[number];

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END = /^-----END ([A-Z0-9 ]+)-----$/;

type Block = { label: string; body: string[]; settings: Map<Setting, string> };

const parsed = new WeakMap<Anchor, pkijs.Certificate>();

/** The anchor's certificate, parsed once. */
export function anchorCertificate(anchor: Anchor): pkijs.Certificate {
  let cert = parsed.get(anchor);
  if (!cert) {
    cert = readCertificate(anchor.der) ?? undefined;
    if (!cert) throw new AnchorError(`the anchor ${anchor.subject} holds no readable certificate`);
    parsed.set(anchor, cert);
  }
  return cert;
}

/** Splits the text into blocks with their settings; throws on a line that is neither. */
function blocks(text: string): Block[] {
  const out: Block[] = [];
  let settings = new Map<Setting, string>();
  let open: Block | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `line ${i + 1} (before certificate ${out.length + 1})`;
    if (open) {
      const end = END.exec(raw.trim());
      if (!end) return void open.body.push(raw);
      if (end[1] !== open.label) throw new AnchorError(`certificate ${out.length}: BEGIN ${open.label} ends with END ${end[1]}`);
      open = null;
      return;
    }
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const begin = BEGIN.exec(line);
    if (begin) {
      open = { label: begin[1]!, body: [], settings };
      out.push(open);
      settings = new Map();
      return;
    }
    const setting = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(line);
    if (!setting) throw new AnchorError(`${where}: "${line}" is neither a setting nor a certificate`);
    const name = setting[1]! as Setting;
    if (!SETTINGS.includes(name)) throw new AnchorError(`${where}: unknown setting "${setting[1]}" (kinds, id or algs)`);
    if (settings.has(name)) throw new AnchorError(`${where}: "${name}" is set twice`);
    settings.set(name, setting[2]!.trim());
  });
  if (open) throw new AnchorError(`certificate ${out.length} has no END line`);
  if (settings.size > 0) throw new AnchorError(`settings after the last certificate (${[...settings.keys()].join(', ')}) apply to none`);
  return out;
}

function kindsOf(value: string | undefined, fail: (m: string) => never): CertifiedKind[] {
  if (value === undefined) fail('has no "kinds:" line (prescriber, pharmacy or both)');
  const kinds = value.split(/\s+/).filter(Boolean);
  if (kinds.length === 0) fail('has an empty "kinds:" line');
  for (const kind of kinds) if (!KINDS.includes(kind)) fail(`has an unknown kind "${kind}" (prescriber or pharmacy)`);
  return [...new Set(kinds)] as CertifiedKind[];
}

function idOf(value: string | undefined, fail: (m: string) => never): { idAttribute: string; idPrefix: string } {
  if (value === undefined) return { idAttribute: ATTRIBUTES.serialNumber!, idPrefix: '' };
  const [name, keyword, prefix, ...rest] = value.split(/\s+/).filter(Boolean);
  if (name === undefined || rest.length > 0 || (keyword !== undefined && (keyword !== 'prefix' || prefix === undefined))) {
    fail(`has "id: ${value}", not "id: ATTRIBUTE" or "id: ATTRIBUTE prefix P"`);
  }
  const idAttribute = ATTRIBUTES[name] ?? (DOTTED.test(name) ? name : undefined);
  if (!idAttribute) fail(`has an unknown id attribute "${name}" (${Object.keys(ATTRIBUTES).join(', ')} or a dotted OID)`);
  return { idAttribute, idPrefix: prefix ?? '' };
}

function algsOf(value: string | undefined, fail: (m: string) => never): CertAlg[] {
  if (value === undefined) return ['PS256', 'ES256'];
  const algs = value.split(/\s+/).filter(Boolean);
  if (algs.length === 0) fail('has an empty "algs:" line');
  for (const alg of algs) if (!ALGS.includes(alg)) fail(`has an unknown algorithm "${alg}" (PS256, RS256 or ES256)`);
  return [...new Set(algs)] as CertAlg[];
}

/**
 * The configured CAs of `text`, in its order; [] for empty text. Synchronous, so that the
 * configuration checks it as it parses every variable. Throws AnchorError naming the
 * certificate (its number, and its subject once read) and what is wrong with it.
 */
export function parseTrustAnchors(text: string): Anchor[] {
  const anchors: Anchor[] = [];
  for (const [i, block] of blocks(text).entries()) {
    let what = `certificate ${i + 1}`;
    const fail: (message: string) => never = (message) => {
      throw new AnchorError(`${what} ${message}`);
    };
    if (block.label !== 'CERTIFICATE') fail(`is a PEM ${block.label} block, not a CERTIFICATE`);
    const der = pemBody(block.body);
    const cert = der && readCertificate(der);
    if (!der || !cert) fail('is not a readable X.509 certificate');
    const subject = nameText(cert.subject);
    what = `${what} (${subject})`;
    if (!caConstraints(cert).ca) fail('is not a CA certificate (basicConstraints cA is not true)');
    if (hasKeyUsage(cert, KEY_USAGE.keyCertSign) === false) fail('is not a CA certificate (its keyUsage lacks keyCertSign)');
    const id = b64url(sha256(der));
    const twice = anchors.findIndex((a) => a.id === id);
    if (twice >= 0) fail(`is the same certificate as certificate ${twice + 1}`);
    const anchor: Anchor = {
      id,
      der: der,
      subject,
      kinds: kindsOf(block.settings.get('kinds'), fail),
      ...idOf(block.settings.get('id'), fail),
      algs: algsOf(block.settings.get('algs'), fail),
      notBefore: cert.notBefore.value.toISOString(),
      notAfter: cert.notAfter.value.toISOString(),
    };
    parsed.set(anchor, cert);
    anchors.push(anchor);
  }
  return anchors;
}
