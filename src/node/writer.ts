/**
 * The one writer, seen from the servers: a transition is a message to it, answered once its
 * group commit is on disk. The same protocol runs over a cluster's IPC (src/node/cluster.ts: the
 * primary process writes) and over a thread's port (src/node/writer-thread.ts: one process, whose
 * flush then never holds its event loop). A server packs what it sends (store/codec.ts), so that
 * the writer only writes; it sends the rare transition whose receipt signer the database has not
 * numbered yet unpacked, and the writer packs that one.
 */
import { Worker } from 'node:worker_threads';
import type { PackedTransition } from '../store/packed-transition.js';
import type { ClosableStore } from '../store/sqlite.js';
import { CommitConflict, type Store, type Transition } from '../store/types.js';

/** To the writer: commit transition `t` (or `packed`), as request `commit`. */
export type CommitRequest = { commit: number; t?: Transition; packed?: PackedTransition };
/** From the writer: how commit request `commit` ended. */
export type CommitReply = { commit: number; ok?: boolean; conflict?: CommitConflict['on']; error?: string };

/** In the writer: commits one request and replies, whatever happens. */
export function serveCommit(writer: ClosableStore, m: CommitRequest, reply: (r: CommitReply) => void) {
  (m.packed ? writer.commitPacked!(m.packed) : writer.commit(m.t!)).then(
    () => reply({ commit: m.commit, ok: true }),
    (err: unknown) => reply({ commit: m.commit, conflict: err instanceof CommitConflict ? err.on : undefined, error: String(err) }),
  );
}

/** How a server reaches the writer: sends a request, and hears the replies (among other messages). */
export type WriterChannel = { send(m: CommitRequest): void; onMessage(listener: (m: Partial<CommitReply>) => void): void };

/** In a server: `commit` as a request to the writer, packed here with `local` (a reader of the same file). */
export function commitThroughWriter(local: ClosableStore, channel: WriterChannel): Store['commit'] {
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  channel.onMessage((m) => {
    const w = m.commit === undefined ? undefined : waiting.get(m.commit);
    if (!w) return;
    waiting.delete(m.commit!);
    if (m.ok) w.resolve();
    else w.reject(m.conflict ? new CommitConflict(m.conflict) : new Error(`commit failed in the writer: ${m.error}`));
  });
  return (t) =>
    new Promise<void>((resolve, reject) => {
      // Packed first: a transition that does not pack is refused here, and nothing waits for it.
      const packed = local.pack?.(t);
      const id = next++;
      waiting.set(id, { resolve, reject });
      channel.send(packed ? { commit: id, packed } : { commit: id, t });
    });
}

/** What the writer thread (src/node/writer-thread.ts) is started with. */
export type WriterThreadData = { dbFile: string; migrationsFolder: string };
/** To the writer thread: a commit request, or close. */
export type ToWriterThread = CommitRequest | { close: true };
/** From the writer thread: ready (or why not), a commit's reply, closed (or why not cleanly). */
export type FromWriterThread = { ready?: true; failed?: string; closed?: true; closeFailed?: string; commit?: number };

/**
 * Starts the writer thread of one process (src/node/writer-thread.ts) on `dbFile`, already
 * migrated; resolves once it has the file open. `close()` waits until it has committed what is
 * queued, checkpointed the log and closed.
 */
export async function startWriterThread(dbFile: string, migrationsFolder: string) {
  const workerData = { dbFile, migrationsFolder } satisfies WriterThreadData;
  const entry = new URL(`./writer-thread${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url).href;
  // Run from TypeScript (tsx), a thread needs tsx's loader registered in it before the entry.
  const thread = entry.endsWith('.ts')
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true, workerData })
    : new Worker(new URL(entry), { workerData });
  const first = await new Promise<FromWriterThread>((resolve) => {
    thread.once('message', resolve);
    thread.once('error', (err) => resolve({ failed: err.message }));
    thread.once('exit', (code) => resolve({ failed: `the writer thread exited with code ${code}` }));
  });
  if (!first.ready) {
    await thread.terminate();
    throw new Error(`the writer could not open ${dbFile}: ${first.failed}`);
  }
  thread.removeAllListeners('error').removeAllListeners('exit');
  // A writer that dies leaves every commit unanswered: the process stops rather than hang.
  thread.on('error', (err) => {
    console.error(`Ordo stopped: the writer thread failed: ${err.name}: ${err.message}`.replace(/\s*\n\s*/g, ' '));
    process.exit(1);
  });
  const channel: WriterChannel = { send: (m) => thread.postMessage(m satisfies ToWriterThread), onMessage: (listener) => void thread.on('message', listener) };
  const close = () =>
    new Promise<void>((resolve, reject) => {
      thread.on('message', (m: FromWriterThread) => {
        if (m.closed) resolve();
        else if (m.closeFailed) reject(new Error(m.closeFailed));
      });
      thread.postMessage({ close: true } satisfies ToWriterThread);
    }).finally(() => thread.terminate());
  return { channel, close };
}
