import type { ClusterPlatform, CommandTarget, FaultProxy, LocalPlatform } from '@kundval/infra';
import { startTestCluster } from '../cluster/cluster-platform.js';
import { startTestPlatform } from './platform.js';

/**
 * The topologies an end-to-end suite runs on: `dev` (`npm start`'s: the Temporal dev server, one
 * nats-server, PGlite, one process of each) and `cluster` (`npm run start:cluster`'s, ADR 0025: the
 * Temporal server on PostgreSQL, three NATS nodes, two replicas of each service, two workers).
 */
export type Topology = 'dev' | 'cluster';

/**
 * The topologies the suites run on: both, unless `KUNDVAL_TEST_TOPOLOGIES` names some
 * (`dev`, `cluster`, comma-separated) — to iterate on one, or on a machine without the cluster tools.
 */
export const TOPOLOGIES: Topology[] = topologiesFrom(process.env['KUNDVAL_TEST_TOPOLOGIES']);

export function topologiesFrom(setting: string | undefined): Topology[] {
  if (!setting?.trim()) return ['dev', 'cluster'];
  const names = setting.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => n !== 'dev' && n !== 'cluster');
  if (unknown.length > 0) throw new Error(`KUNDVAL_TEST_TOPOLOGIES: unknown topology ${unknown.join(', ')} (dev, cluster)`);
  return [...new Set(names)] as Topology[];
}

/** What a suite needs of a running platform, whichever the topology. */
export interface TestPlatform {
  topology: Topology;
  urls: LocalPlatform['urls'];
  auth: LocalPlatform['auth'];
  temporal: { address: string; uiUrl: string; namespace: string };
  /** NATS's address: on the cluster, its nodes comma-separated (the clients take any of them). */
  nats: { url: string };
  /** The fault proxies between the journey workers and the services they command, when asked for. */
  proxies?: Record<CommandTarget, FaultProxy>;
  /** Every journey worker (one on `dev`, two on `cluster`): killed together and started together. */
  workers: { kill(signal?: NodeJS.Signals): Promise<void>; start(): Promise<void> };
  stop(): Promise<void>;
}

export type TestPlatformOptions = {
  /** Extra environment for every service and worker. */
  env?: Record<string, string>;
  /** A fault proxy between the workers and each service they command (`lost-responses`). */
  faultProxies?: { seed?: number };
};

/** Starts the platform of one test file on `topology`, with demo data; logs go to `.data/test-logs/<name>-<topology>.log`. */
export async function startTopology(topology: Topology, name: string, options: TestPlatformOptions = {}): Promise<TestPlatform> {
  if (topology === 'dev') {
    const platform = await startTestPlatform(`${name}-dev`, options);
    return { topology, urls: platform.urls, auth: platform.auth, temporal: platform.temporal, nats: platform.nats, ...(platform.proxies ? { proxies: platform.proxies } : {}), workers: platform.worker, stop: platform.stop };
  }
  const platform: ClusterPlatform = await startTestCluster(`${name}-cluster`, options);
  const workers = Object.keys(platform.components)
    .filter((n) => n.startsWith('worker-'))
    .map((n) => platform.components[n]!);
  return {
    topology,
    urls: platform.urls,
    auth: platform.auth,
    temporal: platform.temporal,
    nats: platform.nats,
    ...(platform.proxies ? { proxies: platform.proxies } : {}),
    workers: {
      kill: async (signal = 'SIGKILL') => void (await Promise.all(workers.map((w) => w.halt(signal)))),
      start: async () => void (await Promise.all(workers.map((w) => w.start()))),
    },
    stop: platform.stop,
  };
}
