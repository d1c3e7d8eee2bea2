/**
 * The transparency log's third parties: `ordo log monitor` follows an Ordo's checkpoints and
 * proves from its tiles that the log only grew (src/log/monitor.ts decides); `ordo log witness`
 * is a minimal C2SP tlog-witness (src/log/witness.ts decides), and `ordo log witness-key` makes
 * its key. Exit codes: 0 fine, 1 usage, file or network errors, 3 when the log misbehaved (a
 * fork, a rollback, a bad signature, an entry that does not match its tile).
 */
import type { Command } from 'commander';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { randomBytes } from '../../crypto/hash.js';
import { formatHash } from '../../log/checkpoint.js';
import { cosignatureSigner, cosignatureVerifier } from '../../log/cosignature.js';
import { formatMonitorState, monitorRound, parseMonitorState, type LogFetch, type MonitorOptions, type MonitorState } from '../../log/monitor.js';
import { isValidKeyName, noteVerifier, verifierKeyOf, type NoteVerifier } from '../../log/note.js';
import { ADD_CHECKPOINT_PATH } from '../../log/witness-protocol.js';
import { addCheckpoint, formatWitnessState, parseWitnessState, type Witness, type WitnessState } from '../../log/witness.js';
import { nodeSuite } from '../../node/crypto-suite.js';
import { wholeNumber } from '../args.js';
import { CliError, given, print, readJson, type GlobalOptions, type Globals } from '../context.js';
import { openOutput } from '../files.js';

/** Exit code of a monitor that caught the log misbehaving. */
export const LOG_PROBLEM_EXIT = 3;
const MAX_BODY = 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

/** Replaces `file` with `text` (mode 0600) through a temporary file, synced, then renamed over it: a crash leaves the old state or the new one. */
export function writeAtomically(file: string, text: string) {
  const tmp = `${file}.${process.pid}.${Buffer.from(randomBytes(6)).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/** A state file's text; undefined when there is none yet, once its folder has shown it takes a new file. */
function readState(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new CliError(`cannot read --state ${file} (${code ?? (err as Error).message})`);
  }
  try {
    writeAtomically(`${file}.probe`, '');
    unlinkSync(`${file}.probe`);
  } catch (err) {
    throw new CliError(`cannot write next to --state ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return undefined;
}

const verifierOf = (vkey: string, option: string, make: typeof noteVerifier): Promise<NoteVerifier> =>
  make(nodeSuite, vkey.trim()).catch((err: unknown) => {
    throw new CliError(`${option}: not a usable verifier key (${(err as Error).message})`);
  });

/** GET below `base` with a timeout; a network error or a status other than 200 is a CliError. */
function httpFetch(base: string): LogFetch {
  return async (path) => {
    const url = `${base}/${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new CliError(`cannot reach ${url} (${((err as Error).cause as Error)?.message ?? (err as Error).message})`);
    }
    if (res.status !== 200) throw new CliError(`GET ${url} answered HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

function baseUrl(g: GlobalOptions): string {
  const url = (given(g.url) ?? 'http://localhost:8787').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]/.test(url)) throw new CliError(`--url ${url} is not an http(s) URL (e.g. http://localhost:8787)`);
  return url;
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), done()), { once: true });
  });

/** Aborts on the first SIGINT or SIGTERM; `release` removes the handlers. */
function stopSignal() {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  return { signal: stop.signal, release: () => process.off('SIGINT', onSignal).off('SIGTERM', onSignal) };
}

const line = (g: GlobalOptions, value: unknown, human: string) => process.stdout.write(`${g.json ? JSON.stringify(value) : human}\n`);

type MonitorFlags = { key?: string; state: string; once?: boolean; interval: number; witness: string[] };

async function monitor(g: GlobalOptions, o: MonitorFlags) {
  const base = baseUrl(g);
  if (!o.key) {
    throw new CliError(`--key is required: the log key you trust, never taken from the server. Get it once (curl ${base}/.well-known/ordo-log-key), compare it with Ordo's operator out of band, then pass it as --key`);
  }
  const vkey = o.key.trim();
  const opts: MonitorOptions = {
    suite: nodeSuite, vkey, fetch: httpFetch(base),
    log: await verifierOf(vkey, '--key', noteVerifier),
    witnesses: await Promise.all(o.witness.map((w) => verifierOf(w, '--witness', cosignatureVerifier))),
  };
  const text = readState(o.state);
  let seen: MonitorState | undefined;
  if (text !== undefined) {
    seen = parseMonitorState(text);
    if (!seen) throw new CliError(`--state ${o.state} is not a monitor state file (written by ordo log monitor)`);
    if (seen.vkey !== vkey) throw new CliError(`--state ${o.state} follows the log key ${seen.vkey}, not --key ${vkey}: a log never changes its key; use another state file for another log`);
  }

  const stop = o.once ? undefined : stopSignal();
  try {
    while (!stop?.signal.aborted) {
      let round;
      try {
        round = await monitorRound(opts, seen);
      } catch (err) {
        if (o.once || !(err instanceof CliError)) throw err;
        process.stderr.write(`warning: ${err.message}; trying again in ${o.interval} s\n`);
      }
      if (round && !round.ok) {
        process.stderr.write(`Error: ${round.problem}: ${round.message}\n`);
        process.exitCode = LOG_PROBLEM_EXIT;
        return;
      }
      if (round && (round.changed || o.once)) {
        const { checkpoint: c, previous: prev } = round;
        const cosigned = round.cosignedBy.length ? `; cosigned by ${round.cosignedBy.join(', ')}` : '';
        const what = !round.changed ? 'no new checkpoint' : prev ? `consistent with size ${prev.size}, ${round.entriesChecked} entries checked` : `first checkpoint seen, ${round.entriesChecked} entries checked`;
        if (round.changed) writeAtomically(o.state, formatMonitorState(round.state));
        seen = round.state;
        line(g, {
          origin: c.origin, size: c.size, root: formatHash(c.root), changed: round.changed, entriesChecked: round.entriesChecked, cosignedBy: round.cosignedBy,
          ...(prev && { previous: { size: prev.size, root: formatHash(prev.root) } }),
        }, `${c.origin} size ${c.size} root ${formatHash(c.root)}: ${what}${cosigned}`);
      }
      if (!stop) return;
      await pause(o.interval * 1000, stop.signal);
    }
  } finally {
    stop?.release();
  }
}

export type WitnessServerOptions = {
  /** The log followed: its vkey (type 0x01), named by its origin. */
  logKey: string;
  /** The witness's private Ed25519 JWK and key name. */
  jwk: JWK;
  name: string;
  /** Where the latest cosigned (size, root) is kept across restarts. */
  stateFile: string;
  host?: string;
  port?: number;
  /** Called with each answer given (status, reason, size). */
  onAnswer?: (a: { status: number; reason?: string; size?: number; message: string }) => void;
  /** The clock, in seconds since the Epoch (cosignature timestamps). */
  now?: () => number;
};

export type WitnessServer = { url: string; vkey: string; origin: string; close(): Promise<void> };

/**
 * Starts a tlog-witness for one log on node:http: POST /add-checkpoint, requests decided one at
 * a time (check and persist are atomic), each new (size, root) written to the state file before
 * the cosignature is sent.
 */
export async function startWitness(o: WitnessServerOptions): Promise<WitnessServer> {
  const log = await verifierOf(o.logKey, '--log-key', noteVerifier);
  const signer = await cosignatureSigner(nodeSuite, o.name, o.jwk).catch((err: unknown) => {
    throw new CliError(`--key: not a witness key (${(err as Error).message})`);
  });
  const w: Witness = { suite: nodeSuite, log, signer };
  const text = readState(o.stateFile);
  let state: WitnessState | undefined;
  if (text !== undefined) {
    state = parseWitnessState(text);
    if (!state) throw new CliError(`--state ${o.stateFile} is not a witness state file (written by ordo log witness)`);
    if (state.origin !== log.name) throw new CliError(`--state ${o.stateFile} is for the log ${state.origin}, not ${log.name}`);
  }
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));

  let queue = Promise.resolve();
  const answer = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', more = {}) => void res.writeHead(status, { 'content-type': type, ...more }).end(body);
  async function decide(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    let length = 0;
    // Read to the end even when too large, so that the 413 reaches the client.
    for await (const chunk of req as AsyncIterable<Buffer>) if ((length += chunk.length) <= MAX_BODY) chunks.push(chunk);
    if (length > MAX_BODY) return answer(res, 413, 'request body too large\n');
    const run = queue.then(async () => {
      const v = await addCheckpoint(w, state, new Uint8Array(Buffer.concat(chunks)), now());
      if (v.ok) {
        try {
          writeAtomically(o.stateFile, formatWitnessState(v.state));
        } catch (err) {
          o.onAnswer?.({ status: 500, message: `cannot persist ${o.stateFile}: ${(err as Error).message}` });
          return answer(res, 500, 'the witness cannot persist its state\n');
        }
        state = v.state;
        o.onAnswer?.({ status: 200, size: v.state.size, message: `cosigned ${v.checkpoint.origin} size ${v.state.size}` });
      } else o.onAnswer?.({ status: v.status, reason: v.reason, message: `refused ${v.status} (${v.reason}): ${v.body.trim()}` });
      answer(res, v.status, v.body, v.contentType);
    });
    queue = run.catch(() => undefined);
    await run;
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== ADD_CHECKPOINT_PATH) return answer(res, 404, 'not found: this witness answers POST /add-checkpoint\n');
    if (req.method !== 'POST') return answer(res, 405, 'method not allowed\n', undefined, { allow: 'POST' });
    decide(req, res).catch((err: unknown) => {
      o.onAnswer?.({ status: 500, message: (err as Error).message });
      if (!res.headersSent) answer(res, 500, 'internal error\n');
    });
  });
  await new Promise<void>((ready, fail) => server.once('error', fail).listen(o.port ?? 0, o.host ?? '127.0.0.1', ready));
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`, vkey: verifierKeyOf(nodeSuite, signer), origin: log.name,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

export function logCommands(program: Command, g: Globals) {
  const log = program.command('log').description('the transparency log: follow it (monitor), witness it');
  log
    .command('monitor')
    .description(`follow an Ordo's checkpoints, proving from its tiles that the log only grew; exit ${LOG_PROBLEM_EXIT} on a fork, a rollback, a bad signature or a changed entry`)
    .option('--key <vkey>', "the log key you trust (Ordo's /.well-known/ordo-log-key, compared out of band)")
    .requiredOption('--state <file>', 'where what was seen is kept (JSON, 0600; created on the first round)')
    .option('--once', 'one round, then exit')
    .option('--interval <seconds>', 'seconds between rounds', wholeNumber('seconds'), 60)
    .option('--witness <vkey>', 'a witness key (type 0x04) whose cosignatures, when present, must verify (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .action((o: MonitorFlags) => monitor(g(), o));

  log
    .command('witness')
    .description('a minimal C2SP tlog-witness for one log: POST /add-checkpoint checks consistency, cosigns, never cosigns a fork')
    .requiredOption('--log-key <vkey>', 'the key of the log witnessed (its /.well-known/ordo-log-key)')
    .requiredOption('--key <file>', 'the witness private key (JWK, from ordo log witness-key)')
    .requiredOption('--name <name>', 'the witness key name, as given to witness-key')
    .requiredOption('--state <file>', 'where the latest cosigned size and root are kept (JSON, 0600)')
    .option('--port <port>', 'port to listen on (0: any free one)', wholeNumber('port', 0), 7380)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { logKey: string; key: string; name: string; state: string; port: number; host: string }) => {
      const opts = g();
      const server = await startWitness({
        logKey: o.logKey, jwk: readJson<JWK>(o.key, 'key file'), name: o.name, stateFile: o.state, host: o.host, port: o.port,
        onAnswer: (a) => line(opts, a, a.message),
      });
      line(opts, { url: server.url, vkey: server.vkey, origin: server.origin }, `witness of ${server.origin} listening on ${server.url}${ADD_CHECKPOINT_PATH}, key ${server.vkey}`);
      const stop = stopSignal();
      await new Promise<void>((done) => stop.signal.addEventListener('abort', () => done(), { once: true }));
      stop.release();
      await server.close();
      line(opts, { stopped: true }, 'witness stopped');
    });

  log
    .command('witness-key')
    .description('make a witness key: writes the private JWK (0600, never over a file), prints the vkey (type 0x04) for ORDO_LOG_WITNESSES')
    .requiredOption('--name <name>', 'the witness key name (e.g. witness.example/w1)')
    .requiredOption('--out <file>', 'where to write the private key (a new file)')
    .action(async (o: { name: string; out: string }) => {
      if (!isValidKeyName(o.name)) throw new CliError(`--name ${JSON.stringify(o.name)}: a key name has no space and no '+'`);
      const out = openOutput(o.out, { overwrite: false, exists: `${o.out} exists: witness-key never overwrites a key file` });
      try {
        const jwk = await nodeSuite.ed25519FromSeed(randomBytes(32));
        const vkey = verifierKeyOf(nodeSuite, await cosignatureSigner(nodeSuite, o.name, jwk));
        out.write(`${JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d })}\n`);
        print(g(), { vkey, name: o.name, file: o.out }, () => [`private key written to ${o.out} (keep it secret)`, `vkey: ${vkey}`]);
      } finally {
        out.discard(); // a no-op once written
      }
    });
}
