import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSupervisorEvent, startClusterPlatform } from '@kundval/infra';
import { loadDemoData } from '@kundval/tests/driver';
import { CLUSTER_DATA_DIR, CLUSTER_PLATFORM_FILE, LOCAL_CHOICE_DEADLINE_MS, developmentTokens, printPlatform, processLogs, stopOnSignal } from './local-settings.js';

const DATA_DIR = CLUSTER_DATA_DIR;
const PLATFORM_FILE = CLUSTER_PLATFORM_FILE;
const logDir = join(DATA_DIR, 'logs');
const logs = processLogs(logDir);
const log = logs.write;

const began = Date.now();
console.log('Starting PostgreSQL, the Temporal server and its Web UI, three NATS nodes, two replicas of every service and of the console, and two workers…');
const platform = await startClusterPlatform({
  dataDir: DATA_DIR,
  consoles: 2,
  env: { CHOICE_DEADLINE_MS: String(LOCAL_CHOICE_DEADLINE_MS) },
  log,
  onSupervisorEvent: (event) => {
    const line = describeSupervisorEvent(event);
    console.log(`${new Date().toISOString().slice(11, 19)} ${line}${event.kind === 'restarted' ? '' : ` (log: ${join(logDir, `${event.name}.log`)})`}`);
  },
});
await loadDemoData(platform.urls, platform.auth);
await writeFile(PLATFORM_FILE, JSON.stringify({ urls: platform.urls, consoleUrl: platform.console?.url, auth: platform.auth, temporal: platform.temporal }, null, 2), { mode: 0o600 });

const replicas = (name: keyof typeof platform.replicaUrls) => `replicas: ${platform.replicaUrls[name].join(', ')}`;
const pid = (name: string) => `pid ${platform.components[name]?.pid ?? '?'}`;
printPlatform({
  title: `Kundval is running on the cluster topology (data in ${DATA_DIR}, logs in ${logDir}), up in ${((Date.now() - began) / 1000).toFixed(0)} s.`,
  urls: platform.urls,
  notes: { decisions: replicas('decisions'), orders: replicas('orders'), billing: replicas('billing'), workflows: replicas('workflows') },
  rows: [
    ['console', `${platform.console?.url ?? '-'}   replicas: ${platform.console?.replicaUrls.join(', ') ?? '-'} (sessions shared in NATS, ADR 0043; "Development sign-in")`],
    ['workers', Object.keys(platform.components).filter((n) => n.startsWith('worker-')).map((n) => `${n} (${pid(n)})`).join(', ')],
    ['Temporal', `${platform.temporal.address}   namespace ${platform.temporal.namespace}, ${platform.temporal.historyShards} history shards, on PostgreSQL   Web UI: ${platform.temporal.uiUrl}`],
    ['NATS', platform.nats.nodes.map((n) => `${n.name} ${n.url} (monitoring ${n.monitorUrl})`).join('\n              ')],
    ['PostgreSQL', `${platform.postgres.url}   services connect as their own roles: ${Object.keys(platform.postgres.serviceUrls).join(', ')}`],
  ],
  tokens: await developmentTokens(platform.auth),
  footer: 'Run `npm run demo` in another terminal to drive a few journeys here. A process that crashes is restarted (and said so here). Ctrl-C stops everything.',
});

stopOnSignal(platform, { platformFile: PLATFORM_FILE, logs, command: 'npm run start:cluster' });
