/** `ordo feed`: a prescriber's or a pharmacy's events, one page or followed as they come. */
import type { Command } from 'commander';
import type { V1FeedEvent } from '../../contract/feed.js';
import { wholeNumber } from '../args.js';
import { actorOpts, client, loadActor, print, type ActorOptions, type Globals } from '../context.js';

type FeedOptions = ActorOptions & { after?: string; limit?: number; wait?: number; follow?: boolean };

const actorText = (a: V1FeedEvent['actor']) => (a === 'ordo' ? 'ordo' : 'id' in a && a.id ? `${a.kind} ${a.id}` : a.kind);
/** One line an event: seq, time, prescription and index, type, who, the claim. */
const line = (e: V1FeedEvent) => [e.seq, e.at, `${e.prescriptionId}#${e.index}`, e.type, actorText(e.actor), ...(e.claim ? [`claim ${e.claim}`] : [])].join('  ');

export function feedCommands(program: Command, g: Globals) {
  actorOpts(program.command('feed'))
    .description('your events (a prescriber: its prescriptions; a pharmacy: what it claimed), in order; --follow waits for more')
    .option('--after <cursor>', 'the cursor (seq) of the last event you read; 0 from the beginning', '0')
    .option('--limit <n>', 'events per page (1-500)', wholeNumber('events'))
    .option('--wait <seconds>', 'long polling: wait up to this for the next event (0-30; --follow: 25)', wholeNumber('seconds', 0))
    .option('--follow', 'keep reading as events come (until interrupted): one line each, or one JSON object a line with --json')
    .action(async (o: FeedOptions) => {
      const ordo = client(g(), await loadActor(o));
      if (!o.follow) {
        const page = await ordo.feedPage({ after: o.after, ...(o.limit !== undefined && { limit: o.limit }), ...(o.wait !== undefined && { wait: o.wait }) });
        print(g(), page, () => [...page.events.map(line), `cursor ${page.cursor}`]);
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      for await (const e of ordo.feed({ after: o.after, wait: o.wait ?? 25, ...(o.limit !== undefined && { limit: o.limit }), signal: stop.signal })) {
        process.stdout.write(`${g().json ? JSON.stringify(e) : line(e)}\n`);
      }
    });
}
