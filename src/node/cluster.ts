/**
 * `npm start` on several processes: ORDO_WORKERS servers sharing the port (node:cluster), each
 * reading the SQLite file itself (WAL: readers never wait), and the primary process as the one
 * writer. A worker's transition is a message to the primary, answered once it is on disk; what
 * must be shared lives in the database: the replay guard, the failed-code limit, the claims.
 *
 * Why one writer: two processes writing the same SQLite file would take turns on its write
 * lock, each waiting in SQLite's busy handler, which blocks its event loop: measured, that
 * halved the write throughput instead of doubling it. The writer group-commits (store/sqlite.ts).
 */
import cluster from 'node:cluster';
import { parseNodeConfig, type NodeConfig } from '../config/node.js';
import { openSqlite } from '../store/sqlite.js';
import { CommitConflict, type Store, type Transition } from '../store/types.js';
import { announce, migrationsFolder, startNode } from './server.js';

/** How many server processes `npm start` runs: ORDO_WORKERS, by default one per core. */
export function workerCount(env: Record<string, string | undefined>): number {
  return parseNodeConfig(env).workers;
}

/** From a worker to the primary: listening on `ready`, or transition `t` to commit as request `commit`. */
type WorkerMessage = { ready?: number; commit?: number; t?: Transition };
/** From the primary to a worker: how commit request `commit` ended. */
type WriterAnswer = { commit?: number; ok?: boolean; conflict?: CommitConflict['on']; error?: string };

/**
 * In the primary: forks `config.workers` servers (the first one sweeps), commits what they send,
 * starts another when one exits, and stops them all on SIGINT/SIGTERM. Secrets and the database
 * must be prepared already (prepareNode), so that no two workers generate or migrate them.
 */
export function runPrimary(config: NodeConfig, prepared: { secretsDir: string; generated: string[] }) {
  const { workers, dbFile } = config;
  const writer = openSqlite(dbFile, { migrationsFolder }).store;
  cluster.setupPrimary({ serialization: 'advanced' });
  let ready = 0;
  let stopping = false;
  const fork = (sweeper: boolean) => {
    const w = cluster.fork({ ORDO_SWEEPER: sweeper ? '1' : '0' });
    w.on('message', (m: WorkerMessage) => {
      if (m.ready && ++ready === workers) announce({ port: m.ready, dbFile, ...prepared, workers });
      if (m.commit !== undefined) {
        writer.commit(m.t!).then(
          () => w.send({ commit: m.commit, ok: true } satisfies WriterAnswer),
          (err: unknown) => w.send({ commit: m.commit, conflict: err instanceof CommitConflict ? err.on : undefined, error: String(err) } satisfies WriterAnswer),
        );
      }
    });
    w.on('exit', (code) => {
      if (stopping) return;
      console.error(`worker ${w.process.pid} exited (${code}); starting another`);
      fork(sweeper);
    });
  };
  for (let i = 0; i < workers; i++) fork(i === 0);
  const stop = () => {
    stopping = true;
    const all = Object.values(cluster.workers ?? {});
    let left = all.length;
    for (const w of all) {
      w?.on('exit', () => --left === 0 && process.exit(0));
      w?.process.kill('SIGTERM');
    }
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** In a cluster worker: serves, commits through the writer, and stops when the primary says so. */
export async function runWorker(config: NodeConfig) {
  const o = await startNode({ config, commit: commitThroughWriter() });
  process.send?.({ ready: o.port } satisfies WorkerMessage);
  const stop = () => void o.close().then(() => process.exit(0));
  process.on('SIGINT', () => {}); // the primary decides
  process.on('SIGTERM', stop);
}

/** In a cluster worker: a commit is a message to the writer, answered once it is on disk. */
export function commitThroughWriter(): Store['commit'] {
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  process.on('message', (m: WriterAnswer) => {
    const w = m.commit === undefined ? undefined : waiting.get(m.commit);
    if (!w) return;
    waiting.delete(m.commit!);
    if (m.ok) w.resolve();
    else w.reject(m.conflict ? new CommitConflict(m.conflict) : new Error(`commit failed in the writer: ${m.error}`));
  });
  return (t) =>
    new Promise<void>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send!({ commit: id, t } satisfies WorkerMessage);
    });
}
