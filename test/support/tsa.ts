/**
 * A local RFC 3161 time-stamping authority for the tests, made with Debian's `openssl ts`: never
 * a remote one. `startTsa()` creates, in a temporary folder, a CA and a TSA certificate issued by
 * it (extendedKeyUsage critical timeStamping, as RFC 3161 § 2.3 requires), an openssl.cnf with
 * the [tsa] sections, and a node:http server on 127.0.0.1 that answers each POST of
 * application/timestamp-query with what `openssl ts -reply` makes of it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What the TSA answers: a granted token (`grant`); a PKIStatus rejection made by openssl itself
 * (`reject`: its [tsa_reject] section accepts only SHA-512 imprints, so a SHA-256 request gets
 * rejection / badAlg); 200 with bytes that are no TimeStampResp (`garbage`); HTTP 500 (`http500`).
 */
export type TsaAnswer = 'grant' | 'reject' | 'garbage' | 'http500';

export type Tsa = {
  url: string;
  /** The CA that issued the TSA's certificate, and that certificate (PEM). */
  caPem: string;
  tsaPem: string;
  /** The folder of the keys, certificates and openssl.cnf (removed by stop). */
  dir: string;
  /** The subject the TSA's certificate names (and the token's `tsa` field, openssl's tsa_name). */
  subject: string;
  /** Changes what the TSA answers from the next request on. */
  answer(mode: TsaAnswer): void;
  /** Closes the server (and its open connections), waits for a running openssl, removes the folder. */
  stop(): Promise<void>;
};

export type TsaOptions = {
  /** The keys of the CA and the TSA: RSA 2048 (as most public TSAs) or ECDSA P-256. Default rsa. */
  keyType?: 'rsa' | 'ec';
  /** A name in the subjects, to tell two TSAs apart. Default "1". */
  name?: string;
  answer?: TsaAnswer;
};

const config = (dir: string) => `
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ tsa ]
default_tsa = tsa_grant
${tsaSection('tsa_grant', dir, 'sha256, sha384, sha512', ['accuracy = secs:1', 'ordering = yes', 'tsa_name = yes', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256'])}
${tsaSection('tsa_reject', dir, 'sha512')}`;

/** One [tsa] answering section: the same signer, these digests accepted (a query in another is rejected). */
function tsaSection(name: string, dir: string, digests: string, more: string[] = []): string {
  return [`[ ${name} ]`, `dir = ${dir}`, 'serial = $dir/serial', 'crypto_device = builtin', 'signer_cert = $dir/tsa.pem', 'signer_key = $dir/tsa.key',
    'signer_digest = sha256', 'default_policy = 1.3.6.1.4.1.4146.99.1', `digests = ${digests}`, ...more].join('\n');
}

const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/** Starts a local TSA (see the module comment); resolves once it listens. */
export async function startTsa(options: TsaOptions = {}): Promise<Tsa> {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-tsa-'));
  const name = options.name ?? '1';
  const subject = `/O=Ordo tests/CN=Ordo test TSA ${name}`;
  let mode: TsaAnswer = options.answer ?? 'grant';
  const cnf = join(dir, 'openssl.cnf');
  const at = (file: string) => join(dir, file);
  const newKey = options.keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  try {
    writeFileSync(cnf, config(dir));
    writeFileSync(at('serial'), '01\n');
    await run('openssl', ['req', '-config', cnf, '-x509', '-new', ...newKey, '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'),
      '-subj', `/O=Ordo tests/CN=Ordo test CA ${name}`, '-days', '2', '-extensions', 'ca_ext']);
    await run('openssl', ['req', '-config', cnf, '-new', ...newKey, '-nodes', '-keyout', at('tsa.key'), '-out', at('tsa.csr'), '-subj', subject]);
    await run('openssl', ['x509', '-req', '-in', at('tsa.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-set_serial', '4096',
      '-days', '1', '-extfile', cnf, '-extensions', 'tsa_ext', '-out', at('tsa.pem')]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const [caPem, tsaPem] = await Promise.all([readFile(at('ca.pem'), 'utf8'), readFile(at('tsa.pem'), 'utf8')]);

  // openssl ts -reply bumps the serial file: one reply at a time.
  let queue: Promise<unknown> = Promise.resolve();
  let count = 0;
  const reply = (query: Buffer, section: string): Promise<Buffer> => {
    const n = ++count;
    const job = queue.then(async () => {
      await writeFile(at(`q${n}.tsq`), query);
      await run('openssl', ['ts', '-reply', '-config', cnf, '-section', section, '-queryfile', at(`q${n}.tsq`), '-out', at(`r${n}.tsr`)]);
      return readFile(at(`r${n}.tsr`));
    });
    queue = job.catch(() => undefined);
    return job;
  };

  const server = createServer((req, res) => {
    const fail = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    if (req.method !== 'POST') return void fail(405, 'POST a timestamp query');
    if (req.headers['content-type'] !== 'application/timestamp-query') return void fail(415, 'application/timestamp-query only');
    readBody(req, 64 * 1024)
      .then(async (query) => {
        if (mode === 'http500') return fail(500, 'the TSA is down');
        const body = mode === 'garbage' ? Buffer.from('<html>not a TimeStampResp</html>') : await reply(query, mode === 'reject' ? 'tsa_reject' : 'tsa_grant');
        res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length }).end(body);
      })
      .catch((e: unknown) => fail(500, String(e)));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caPem,
    tsaPem,
    dir,
    subject,
    answer: (next) => {
      mode = next;
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
