/**
 * `npm start` on several processes: ORDO_WORKERS servers sharing the port (node:cluster), each
 * reading the SQLite file itself (WAL: readers never wait), and the primary process as the one
 * writer. On PostgreSQL there is no writer: each worker commits its own transitions. A worker's transition is a message to the primary, answered once it is on disk; what
 * must be shared lives in the database: the replay guard, the failed-code limit, the claims.
 *
 * Why one writer: two processes writing the same SQLite file would take turns on its write
 * lock, each waiting in SQLite's busy handler, which blocks its event loop: measured, that
 * halved the write throughput instead of doubling it. The writer group-commits (store/sqlite.ts).
 *
 * Starting and exiting: the primary prints the banner once every worker listens, and only then
 * do workers handle requests (they hold those that come earlier). A worker that cannot start
 * (a port in use, anything) stops them all with one line and exit code 2: its replacement would
 * fail the same way. One that exits less than CRASH_LOOP_MS after it started listening is not
 * replaced either (a crash loop): one line, exit code 1. One that exits later is replaced, and
 * the primary says why it exited. SIGINT/SIGTERM stop the workers, then close the writer.
 */
import cluster, { type Worker } from 'node:cluster';
import { parseNodeConfig, type NodeConfig } from '../config/node.js';
import { openSqlite } from '../store/sqlite.js';
import { announce, listeningOf, migrationsFolder, startFailure, startNode, type Listening, type NodeServer } from './server.js';
import { nodeSuite } from './crypto-suite.js';
import { commitThroughWriter, serveCommit, type CommitReply, type CommitRequest, type WriterChannel } from './writer.js';

/** How many server processes `npm start` runs: ORDO_WORKERS, by default one per core. */
export function workerCount(env: Record<string, string | undefined>): number {
  return parseNodeConfig(env).workers;
}

/** A worker exiting sooner than this after it started listening is a crash loop: not replaced. */
export const CRASH_LOOP_MS = 5000;

/**
 * From a worker to the primary: listening (`ready`), could not start (`failed`: the line to
 * print), dying of an uncaught error (`fatal`: its kind and message), or transition `t` to commit
 * as request `commit`.
 */
type WorkerMessage = { ready?: Listening; failed?: string; fatal?: string } & Partial<CommitRequest>;
/** From the primary to a worker: serve (the banner is out), or how commit request `commit` ended. */
type PrimaryMessage = { serve?: true } & Partial<CommitReply>;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const oneLine = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).replace(/\s*\n\s*/g, ' ');

/** How a worker ended, as the primary tells it: its signal or exit code, and the error it reported. */
const ended = (code: number | null, signal: string | null, error?: string) => `${signal ? `was killed by ${signal}` : `exited with code ${code}`}${error ? ` (${error})` : ''}`;

/** To a worker, unless it is gone (a worker killed while its commit was on the way). */
const tell = (w: Worker, m: PrimaryMessage) => w.isConnected() && w.send(m, () => {});

/**
 * In the primary: forks `config.workers` servers (the first one sweeps), commits what they send,
 * announces once they all listen, replaces one that exits (unless it could not start, or exited
 * within CRASH_LOOP_MS of listening: then it stops everything), and stops them all on
 * SIGINT/SIGTERM. Secrets and the database must be prepared already (prepareNode), so that no
 * two workers generate or migrate them.
 */
export function runPrimary(config: NodeConfig, prepared: { secretsDir: string; generated: string[] }) {
  const { workers, dbFile } = config;
  // On PostgreSQL every worker commits its own transitions: no writer here.
  const writer = config.postgres ? undefined : openSqlite(dbFile, { migrationsFolder, packer: nodeSuite });
  cluster.setupPrimary({ serialization: 'advanced' });
  const listening = new Map<Worker, Listening>();
  let announced = false;
  let stopping = false;

  /** Stops every worker, then the writer, and exits with `code`, after `line` on stderr if given. */
  const stop = (code: number, line?: string) => {
    if (stopping) return;
    stopping = true;
    if (line) console.error(line);
    const exit = () => {
      try {
        writer?.store.close(); // commits what is queued, checkpoints the log into ordo.db, closes
      } catch (err) {
        console.error(`Ordo stopped, but ${dbFile} did not close cleanly: ${oneLine(err)}`);
        process.exit(code || 1);
      }
      process.exit(code);
    };
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    let left = all.length;
    if (!left) return exit();
    for (const w of all) {
      w.once('exit', () => --left === 0 && exit());
      w.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const w of all) if (!w.isDead()) w.process.kill('SIGKILL');
      exit();
    }, 5000).unref();
  };

  /** Once every worker listens: the banner, then they serve. A replacement serves at once. */
  const ready = (w: Worker, at: Listening) => {
    listening.set(w, at);
    if (announced) return void tell(w, { serve: true });
    if (listening.size < workers) return;
    announced = true;
    announce({ ...at, host: config.host, issuerGiven: config.issuerGiven, dbFile, ...prepared, workers });
    for (const each of listening.keys()) tell(each, { serve: true });
  };

  const fork = (sweeper: boolean) => {
    const w = cluster.fork({ ORDO_SWEEPER: sweeper ? '1' : '0' });
    let since: number | undefined; // when it started listening
    let error: string | undefined; // the uncaught error it reported
    w.on('message', (m: WorkerMessage) => {
      if (m.commit !== undefined && writer) {
        serveCommit(writer.store, m as CommitRequest, (r) => tell(w, r));
      } else if (m.ready) {
        since = Date.now();
        ready(w, m.ready);
      } else if (m.failed) stop(2, m.failed);
      else if (m.fatal) error = m.fatal;
    });
    w.on('exit', (code, signal) => {
      listening.delete(w);
      if (stopping) return;
      const pid = w.process.pid;
      const how = ended(code, signal, error);
      if (since === undefined) return stop(2, `Ordo could not start: worker ${pid} ${how} before it listened`);
      const lived = Date.now() - since;
      if (lived < CRASH_LOOP_MS) return stop(1, `Ordo stopped: worker ${pid} ${how} ${seconds(lived)} after it started listening; not starting another (a crash loop): every process stops`);
      console.error(`worker ${pid} ${how} after ${seconds(lived)}; starting another`);
      fork(sweeper);
    });
  };
  for (let i = 0; i < workers; i++) fork(i === 0);
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

/**
 * In a cluster worker: serves once the primary says so, commits through the writer, and stops
 * when the primary says so. A failed start or an uncaught error is told to the primary, which
 * prints it: one line, no stack trace on stderr (the error's stack goes to the log).
 */
export async function runWorker(config: NodeConfig) {
  const send = (m: WorkerMessage, exitCode?: number) => {
    try {
      process.send!(m, undefined, undefined, () => exitCode !== undefined && process.exit(exitCode));
    } catch {
      if (exitCode !== undefined) process.exit(exitCode); // the primary is gone
    }
  };
  process.on('SIGINT', () => {}); // the primary decides
  process.on('uncaughtException', (err) => {
    process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'error', msg: 'worker crashed', error: err.name, message: err.message, stack: err.stack })}\n`);
    send({ fatal: oneLine(err) }, 1);
    setTimeout(() => process.exit(1), 1000); // should the message never leave
  });
  let serve!: () => void;
  const holdUntil = new Promise<void>((r) => (serve = r));
  process.on('message', (m: PrimaryMessage) => m?.serve && serve());
  let o: NodeServer;
  try {
    const channel: WriterChannel = { send: (m) => process.send!(m satisfies WorkerMessage), onMessage: (listener) => void process.on('message', listener) };
    o = await startNode({ config, commit: config.postgres ? undefined : (local) => commitThroughWriter(local, channel), holdUntil });
  } catch (err) {
    return send({ failed: startFailure(err) }, 2);
  }
  process.on('SIGTERM', () => {
    serve(); // requests held until now are answered before the server closes
    void o.close().then(() => process.exit(0));
  });
  send({ ready: listeningOf(o) });
}
