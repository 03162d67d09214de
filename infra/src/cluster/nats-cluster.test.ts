import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NatsServer } from '../nats.js';
import { natsClusterUrl, planNatsCluster, startNatsClusterNode, waitForJetStreamCluster } from './nats-cluster.js';

describe('a three-node JetStream cluster on loopback', () => {
  const servers: NatsServer[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('elects a meta leader, flushes every write before acknowledging it, and elects again after a node is killed', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kundval-nats-cluster-'));
    const nodes = await planNatsCluster(dataDir);
    servers.push(...(await Promise.all(nodes.map((n) => startNatsClusterNode(n)))));
    const { leader } = await waitForJetStreamCluster(nodes);
    expect(nodes.map((n) => n.name)).toContain(leader);
    expect(natsClusterUrl(nodes).split(',')).toHaveLength(3);

    for (const node of nodes) {
      const varz = (await (await fetch(`${node.monitorUrl}/varz`)).json()) as { server_name: string; jetstream: { config: { sync_always?: boolean } }; cluster: { name: string } };
      expect([varz.server_name, varz.jetstream.config.sync_always, varz.cluster.name]).toEqual([node.name, true, 'kundval']);
    }

    // Kill the leader as a crash would; the two others carry on and it rejoins from its store.
    const index = nodes.findIndex((n) => n.name === leader);
    process.kill(servers[index]!.pid!, 'SIGKILL');
    await servers[index]!.exited;
    await servers[index]!.stop();
    servers[index] = await startNatsClusterNode(nodes[index]!);
    const again = await waitForJetStreamCluster(nodes);
    expect(nodes.map((n) => n.name)).toContain(again.leader);
  });
});
