import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENT_STREAM } from '@kundval/contracts';

/**
 * Samples every durable consumer of the platform's event stream twice a second and keeps the
 * largest backlog each had (events not yet delivered plus delivered and not yet acknowledged):
 * for `--breakdown`, to see which service falls behind when journeys wait on events.
 */
export async function watchConsumerBacklogs(natsUrl: string) {
  const nc = await connect({ servers: natsUrl, name: 'bench-backlog-watch' });
  const jsm = await jetstreamManager(nc);
  const peak: Record<string, number> = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for await (const c of jsm.consumers.list(EVENT_STREAM.name)) {
        peak[c.name] = Math.max(peak[c.name] ?? 0, c.num_pending + c.num_ack_pending);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop(): Promise<Record<string, number>> {
      stopped = true;
      await loop;
      await nc.close();
      return peak;
    },
  };
}
