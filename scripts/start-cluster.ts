import { createWriteStream, mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSupervisorEvent, findRepoRoot, startClusterPlatform } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import { loadDemoData } from '@kundval/tests/driver';
import { LOCAL_CHOICE_DEADLINE_MS } from './local-settings.js';

/** The cluster topology keeps its data apart from `npm start`'s: other engines, other files. */
const DATA_DIR = join(findRepoRoot(), '.data', 'cluster');
const PLATFORM_FILE = join(DATA_DIR, 'platform.json');
const logDir = join(DATA_DIR, 'logs');
mkdirSync(logDir, { recursive: true });
const logs = new Map<string, ReturnType<typeof createWriteStream>>();
const log = (source: string, line: string) => {
  let stream = logs.get(source);
  if (!stream) logs.set(source, (stream = createWriteStream(join(logDir, `${source}.log`), { flags: 'a' })));
  stream.write(`${line}\n`);
};

const began = Date.now();
console.log('Starting PostgreSQL, the Temporal server and its Web UI, three NATS nodes, two replicas of every service and two workers…');
const platform = await startClusterPlatform({
  dataDir: DATA_DIR,
  env: { CHOICE_DEADLINE_MS: String(LOCAL_CHOICE_DEADLINE_MS) },
  log,
  onSupervisorEvent: (event) => {
    const line = describeSupervisorEvent(event);
    console.log(`${new Date().toISOString().slice(11, 19)} ${line}${event.kind === 'restarted' ? '' : ` (log: ${join(logDir, `${event.name}.log`)})`}`);
  },
});
await loadDemoData(platform.urls, platform.auth);
await writeFile(PLATFORM_FILE, JSON.stringify({ urls: platform.urls, auth: platform.auth, temporal: platform.temporal }, null, 2), { mode: 0o600 });

const token = (role: 'case-handler' | 'operator' | 'administrator' | 'finance' | 'provider', extra: Record<string, string> = {}) =>
  issueToken(platform.auth, { sub: `local-${role}`, role, ...extra }, 7 * 24 * 3600);
const replicas = (name: keyof typeof platform.replicaUrls) => platform.replicaUrls[name].join(', ');
const pid = (name: string) => `pid ${platform.components[name]?.pid ?? '?'}`;

console.log(`
Kundval is running on the cluster topology (data in ${DATA_DIR}, logs in ${logDir}), up in ${((Date.now() - began) / 1000).toFixed(0)} s.

  decisions   ${platform.urls.decisions}    OpenAPI docs: ${platform.urls.decisions}/docs   replicas: ${replicas('decisions')}
  orders      ${platform.urls.orders}    OpenAPI docs: ${platform.urls.orders}/docs   replicas: ${replicas('orders')}
  billing     ${platform.urls.billing}    OpenAPI docs: ${platform.urls.billing}/docs   replicas: ${replicas('billing')}
  workflows   ${platform.urls.workflows}    OpenAPI docs: ${platform.urls.workflows}/docs  (operators' view: GET /journeys)   replicas: ${replicas('workflows')}
  workers     ${Object.keys(platform.components).filter((n) => n.startsWith('worker-')).map((n) => `${n} (${pid(n)})`).join(', ')}
  Temporal    ${platform.temporal.address}   namespace ${platform.temporal.namespace}, ${platform.temporal.historyShards} history shards, on PostgreSQL   Web UI: ${platform.temporal.uiUrl}
  NATS        ${platform.nats.nodes.map((n) => `${n.name} ${n.url} (monitoring ${n.monitorUrl})`).join('\n              ')}
  PostgreSQL  ${platform.postgres.url}   services connect as their own roles: ${Object.keys(platform.postgres.serviceUrls).join(', ')}

Development tokens (paste into "Authorize" in the docs; valid 7 days):
  case handler   ${await token('case-handler')}
  operator       ${await token('operator')}
  finance        ${await token('finance')}
  administrator  ${await token('administrator')}
  provider (nacka-hemtjanst)  ${await token('provider', { providerId: 'nacka-hemtjanst' })}

A process that crashes is restarted (and said so here). Ctrl-C stops everything.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    void (async () => {
      await platform.stop();
      await rm(PLATFORM_FILE, { force: true });
      for (const stream of logs.values()) stream.end();
      console.log('Stopped. Data is kept for the next npm run start:cluster.');
      process.exit(0);
    })();
  });
}
