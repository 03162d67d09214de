import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { CLUSTER_STREAM_REPLICAS, natsClusterUrl, planNatsCluster, startNatsClusterNode, waitForJetStreamCluster, type NatsServer } from '@kundval/infra';
import { SESSION_BUCKET, natsSessionStore } from './nats-session-store.js';
import type { SessionStore } from './session-store.js';
import { SESSION_TTL_MS } from './sign-in.js';

/** The session bucket on the cluster topology's three JetStream nodes (ADR 0025, 0043): three replicas, and a session outlives the loss of the node leading it. */
describe('the session bucket on a three-node JetStream cluster', () => {
  const servers: NatsServer[] = [];
  const stores: SessionStore[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    for (const s of servers) await s.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps three replicas, and a session written before its leader is killed is read and renewed after', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kundval-console-sessions-'));
    const nodes = await planNatsCluster(dataDir);
    servers.push(...(await Promise.all(nodes.map((n) => startNatsClusterNode(n)))));
    await waitForJetStreamCluster(nodes);
    const url = natsClusterUrl(nodes);
    // Two console replicas start at once; each declares the bucket.
    stores.push(...(await Promise.all([1, 2].map((i) => natsSessionStore({ url, replicas: CLUSTER_STREAM_REPLICAS, ttlMs: SESSION_TTL_MS, name: `console-${i}` })))));
    const [one, two] = stores as [SessionStore, SessionStore];

    const nc = await connect({ servers: url.split(',') });
    const info = await (await jetstreamManager(nc)).streams.info(`KV_${SESSION_BUCKET}`);
    await nc.close();
    expect([info.config.num_replicas, info.cluster?.replicas?.length]).toEqual([3, 2]);

    const written = (await one.create('session.kept', new TextEncoder().encode('sealed-1')))!;
    const leader = nodes.findIndex((n) => n.name === info.cluster?.leader);
    expect(leader).toBeGreaterThanOrEqual(0);
    process.kill(servers[leader]!.pid!, 'SIGKILL');
    await servers[leader]!.exited;

    // The other two elect a leader; until then a read may time out, after it the entry is there.
    const deadline = Date.now() + 30_000;
    let read: Awaited<ReturnType<SessionStore['get']>> = null;
    while (Date.now() < deadline) {
      read = await two.get('session.kept').catch(() => null);
      if (read) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([new TextDecoder().decode(read?.value), read?.revision]).toEqual(['sealed-1', written]);
    // Compare-and-set still holds across the new leader: one of two writers over the same revision wins.
    const results = await Promise.all([one.update('session.kept', new TextEncoder().encode('by 1'), written), two.update('session.kept', new TextEncoder().encode('by 2'), written)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  }, 120_000);
});
