/**
 * One process's writer, on a thread of its own (`npm start` with ORDO_WORKERS=1): it holds the
 * SQLite connection that writes, and group-commits what the server's thread sends it
 * (src/node/writer.ts). So the flush each commit waits for (`synchronous = FULL`) blocks this
 * thread only: the server's event loop goes on parsing, verifying and reading meanwhile.
 * `close` commits what is queued, checkpoints the log into the file and closes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../store/sqlite.js';
import { nodeSuite } from './crypto-suite.js';
import { serveCommit, type FromWriterThread, type ToWriterThread, type WriterThreadData } from './writer.js';

const port = parentPort!;
const { dbFile, migrationsFolder } = workerData as WriterThreadData;
let writer: ReturnType<typeof openSqlite>;
try {
  writer = openSqlite(dbFile, { migrationsFolder, packer: nodeSuite });
  port.postMessage({ ready: true } satisfies FromWriterThread);
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies FromWriterThread);
  process.exit(0);
}
port.on('message', (m: ToWriterThread) => {
  if ('close' in m) {
    try {
      writer.store.close();
      port.postMessage({ closed: true } satisfies FromWriterThread);
    } catch (err) {
      port.postMessage({ closeFailed: err instanceof Error ? err.message : String(err) } satisfies FromWriterThread);
    }
    return;
  }
  serveCommit(writer.store, m, (r) => port.postMessage(r));
});
