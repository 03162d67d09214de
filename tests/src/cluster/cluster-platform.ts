import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client, Connection } from '@temporalio/client';
import { findRepoRoot, startClusterPlatform, type ClusterPlatform } from '@kundval/infra';
import { EVENT_STREAM, eventCatalog, type EventEnvelope, type EventName } from '@kundval/contracts';
import { loadDemoData } from '../driver/index.js';
import { TEST_CHOICE_DEADLINE_MS, TEST_JOURNEY_TIME_SCALE } from '../support/platform.js';

/** Starts the cluster topology for one test file, with demo data; output goes to `.data/test-logs/<name>.log`. */
export async function startTestCluster(name: string, options: { env?: Record<string, string>; faultProxies?: { seed?: number } } = {}): Promise<ClusterPlatform> {
  const logDir = join(findRepoRoot(), '.data', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = createWriteStream(join(logDir, `${name}.log`), { flags: 'w' });
  const platform = await startClusterPlatform({
    logLevel: 'warn',
    log: (source, line) => logFile.write(`[${source}] ${line}\n`),
    // Crashed processes come back at once in the failover tests.
    supervision: { initialMs: 200, maxMs: 2_000 },
    env: { CHOICE_DEADLINE_MS: String(TEST_CHOICE_DEADLINE_MS), JOURNEY_TIME_SCALE: String(TEST_JOURNEY_TIME_SCALE), ...options.env },
    ...(options.faultProxies ? { faultProxies: options.faultProxies } : {}),
  });
  await loadDemoData(platform.urls, platform.auth);
  const stop = platform.stop;
  platform.stop = async () => {
    await stop();
    logFile.end();
  };
  return platform;
}

/**
 * Every publish on the platform's subjects as it crosses the wire, by event id: a plain NATS
 * subscription sees each publish, including one JetStream then drops as a duplicate, so it shows
 * whether a row was published once or again.
 */
export async function wireTap(natsUrl: string): Promise<{ published: Map<string, number>; close(): Promise<void> }> {
  const nc: NatsConnection = await connect({ servers: natsUrl.split(','), name: 'wire-tap', maxReconnectAttempts: -1 });
  const published = new Map<string, number>();
  const sub = nc.subscribe(EVENT_STREAM.subjects[0]);
  void (async () => {
    for await (const msg of sub) {
      const id = msg.headers?.get('Nats-Msg-Id');
      if (id) published.set(id, (published.get(id) ?? 0) + 1);
    }
  })();
  await nc.flush();
  return { published, close: () => nc.drain() };
}

/** The stored events of the given catalog names, with how many stream messages carry each event id. */
export async function storedEvents(natsUrl: string, names: EventName[]): Promise<Map<string, { envelope: EventEnvelope; copies: number }>> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'stored-events' });
  try {
    const jsm = await jetstreamManager(nc);
    const subjects = new Set<string>(names.map((n) => eventCatalog[n].subject));
    const info = await jsm.streams.info(EVENT_STREAM.name);
    const found = new Map<string, { envelope: EventEnvelope; copies: number }>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(EVENT_STREAM.name, { seq }).catch(() => null);
      if (!msg || !subjects.has(msg.subject)) continue;
      const envelope = msg.json<EventEnvelope>();
      const seen = found.get(envelope.eventId);
      found.set(envelope.eventId, { envelope, copies: (seen?.copies ?? 0) + 1 });
    }
    return found;
  } finally {
    await nc.close();
  }
}

/** Runs SQL as PostgreSQL's superuser (the test reads every service's schema). */
export async function query<R extends Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The `journeyEvent` signals a journey received, in the order its history recorded them, with the
 * identity of the client that sent each (`<pid>@<host>`: which bridge process signalled it).
 */
export async function journeySignals(temporal: { address: string; namespace: string }, applicationId: string): Promise<Array<{ eventId: string; kind: string; validTo?: string; identity: string }>> {
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    const history = await client.workflow.getHandle(`journey-${applicationId}`).fetchHistory();
    const signals = [];
    for (const event of history.events ?? []) {
      const attributes = event.workflowExecutionSignaledEventAttributes;
      if (!attributes || attributes.signalName !== 'journeyEvent') continue;
      const data = attributes.input?.payloads?.[0]?.data;
      const signal = JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8')) as { eventId: string; kind: string; validTo?: string };
      signals.push({ eventId: signal.eventId, kind: signal.kind, ...(signal.validTo ? { validTo: signal.validTo } : {}), identity: attributes.identity ?? '' });
    }
    return signals;
  } finally {
    await connection.close();
  }
}
