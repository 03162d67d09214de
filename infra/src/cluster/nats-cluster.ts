import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from '../ports.js';
import { startNatsServer, type NatsServer } from '../nats.js';

/**
 * JetStream's flush policy on every node: `always` writes each message to disk (fsync) before it
 * is acknowledged. nats-server's default flushes every two minutes, and Jepsen's analysis of NATS
 * 2.12 showed a lazily flushed cluster losing acknowledged writes when nodes crash together
 * (ADR 0026). The outbox would republish what was lost only if the row were still unpublished;
 * once acknowledged, it is marked published, so the stream must keep what it acknowledged.
 */
export const JETSTREAM_SYNC_INTERVAL = 'always';

/** The cluster's name, shared by its nodes. */
const CLUSTER_NAME = 'kundval';
const HOST = '127.0.0.1';

/** One node of the cluster: its ports, store and configuration file, fixed so a restart finds the same. */
export interface NatsClusterNode {
  name: string;
  port: number;
  monitorPort: number;
  clusterPort: number;
  storeDir: string;
  configFile: string;
  url: string;
  monitorUrl: string;
}

/**
 * Picks the ports of a JetStream cluster of `size` nodes on loopback and writes each node's
 * configuration (server name, routes to every node, the flush policy) under `dataDir/nats-<n>`.
 * Start each node with `startNatsClusterNode`; a node can be killed and started again from its spec.
 */
export async function planNatsCluster(dataDir: string, size = 3): Promise<NatsClusterNode[]> {
  const nodes: NatsClusterNode[] = [];
  for (let i = 1; i <= size; i += 1) {
    const port = await freePort();
    const monitorPort = await freePort();
    const clusterPort = await freePort();
    const dir = resolve(dataDir, `nats-${i}`);
    nodes.push({
      name: `nats-${i}`,
      port,
      monitorPort,
      clusterPort,
      storeDir: join(dir, 'jetstream'),
      configFile: join(dir, 'nats.conf'),
      url: `nats://${HOST}:${port}`,
      monitorUrl: `http://${HOST}:${monitorPort}`,
    });
  }
  const routes = nodes.map((n) => `nats-route://${HOST}:${n.clusterPort}`);
  for (const node of nodes) {
    await mkdir(node.storeDir, { recursive: true });
    await writeFile(
      node.configFile,
      [
        `server_name: ${node.name}`,
        `jetstream {`,
        `  sync_interval: ${JETSTREAM_SYNC_INTERVAL}`,
        `}`,
        `cluster {`,
        `  name: ${CLUSTER_NAME}`,
        `  listen: ${HOST}:${node.clusterPort}`,
        `  routes: [${routes.join(', ')}]`,
        `}`,
        '',
      ].join('\n'),
    );
  }
  return nodes;
}

/** Starts one node and resolves once its JetStream is enabled (the cluster may still be electing its leader). */
export function startNatsClusterNode(node: NatsClusterNode, log?: (line: string) => void): Promise<NatsServer> {
  return startNatsServer({
    name: node.name,
    configFile: node.configFile,
    storeDir: node.storeDir,
    port: node.port,
    monitorPort: node.monitorPort,
    ...(log ? { log } : {}),
  });
}

/** The client URL naming every node, as NATS_URL takes it. */
export function natsClusterUrl(nodes: readonly NatsClusterNode[]): string {
  return nodes.map((n) => n.url).join(',');
}

/**
 * Resolves once the JetStream meta group has a leader and every given node reports healthy, so
 * streams at three replicas can be created. Throws after `timeoutMs`.
 */
export async function waitForJetStreamCluster(nodes: readonly NatsClusterNode[], timeoutMs = 60_000): Promise<{ leader: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const answers = await Promise.all(
        nodes.map(async (node) => {
          const health = await fetch(`${node.monitorUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
          const jsz = (await (await fetch(`${node.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) })).json()) as { meta_cluster?: { leader?: string; cluster_size?: number } };
          return { ok: health.ok, leader: jsz.meta_cluster?.leader, size: jsz.meta_cluster?.cluster_size };
        }),
      );
      const leader = answers[0]?.leader;
      if (leader && answers.every((a) => a.ok && a.leader === leader && a.size === nodes.length)) return { leader };
      last = JSON.stringify(answers);
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`The JetStream cluster had no healthy leader within ${timeoutMs / 1000} s: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
