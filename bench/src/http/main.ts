import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { eventCatalog, type EventEnvelope } from '@kundval/contracts';
import { freePort, startNatsServer, startPostgres } from '@kundval/infra';
import { connectEventBus, issueToken } from '@kundval/platform';
import { Child } from '../lib/child.js';
import { compare, markdownTable, writeResult } from '../lib/results.js';
import { startServiceProcess } from '../lib/service-process.js';
import { processCpuMs } from '../lib/cpu.js';
import { ORDER_VALIDITY, nextSlotOffset } from './schedule.js';

/**
 * Part 4: the busiest endpoint, POST /orders/:orderId/visits, in the real billing service process
 * (built server.js on PGlite, with NATS as it runs locally) against a bare Fastify route in a process
 * of its own, each driven by the same autocannon load generator process on loopback. Runs alternate
 * between the two, so both see the same machine state. On PostgreSQL a third target, the
 * durable-write floor (durable-floor-server.ts: the same body, one INSERT transaction on the same
 * server), takes its turn too, and the visit endpoint is compared with it as well.
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    duration: { type: 'string', description: 'seconds per run' },
    connections: { type: 'string', default: '10' },
    orders: { type: 'string', default: '100' },
    'log-level': { type: 'string', default: 'info' },
    database: { type: 'string', default: 'pglite' },
  },
});
const reps = Number(args.reps ?? 3);
const durationS = Number(args.duration ?? (args.quick ? 3 : 10));
const connections = Number(args.connections);
const orderCount = Number(args.orders);
const logLevel = args['log-level']!;
const database = args.database!;
if (!['pglite', 'memory', 'postgres'].includes(database)) throw new Error('--database is pglite (on disk, as the local platform runs), memory (PGlite in memory) or postgres');
if (reps < 3) throw new Error('at least three repetitions: every figure is a median with its spread');

const PROVIDER_ID = 'bench-provider';
const auth = { secret: randomBytes(32).toString('hex'), issuer: 'kundval-bench' };
const cleanup: Array<() => Promise<unknown>> = [];

try {
  const nats = await startNatsServer();
  cleanup.push(() => nats.stop());
  const dataDir = await mkdtemp(join(tmpdir(), 'kundval-bench-http-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

  let databaseUrl = database === 'memory' ? 'pglite://memory' : `pglite://${join(dataDir, 'billing')}`;
  let durableFloor: Child | undefined;
  if (database === 'postgres') {
    const postgres = await startPostgres();
    cleanup.unshift(() => postgres.stop());
    databaseUrl = postgres.url;
    durableFloor = new Child('durable-floor', new URL('./durable-floor-server.ts', import.meta.url), { args: [postgres.url] });
    cleanup.unshift(() => durableFloor!.stop());
  }

  const port = await freePort();
  const billingUrl = `http://127.0.0.1:${port}`;
  const billing = await startServiceProcess(
    'billing',
    // The limiter stays in the path (its cost is the product's), set above what one token sends here.
    { PORT: String(port), DATABASE_URL: databaseUrl, NATS_URL: nats.url, AUTH_SECRET: auth.secret, AUTH_ISSUER: auth.issuer, LOG_LEVEL: logLevel, RATE_LIMIT_PER_MINUTE: '100000000' },
    `${billingUrl}/health`,
  );
  cleanup.unshift(() => billing.stop());
  const token = await issueToken(auth, { sub: `${PROVIDER_ID}-staff`, role: 'provider', providerId: PROVIDER_ID });
  const orderIds = await seedOrders(nats.url, billingUrl, token, orderCount);

  const bare = new Child('bare-fastify', new URL('./bare-server.ts', import.meta.url));
  cleanup.unshift(() => bare.stop());
  const { url: bareUrl } = await bare.next<{ type: string; url: string }>('ready');
  const durableUrl = durableFloor ? (await durableFloor.next<{ type: string; url: string }>('ready')).url : undefined;
  type Target = 'billing' | 'bare' | 'durable';
  const targets: Target[] = durableUrl ? ['billing', 'bare', 'durable'] : ['billing', 'bare'];
  const urls: Record<Target, string | undefined> = { billing: billingUrl, bare: bareUrl, durable: durableUrl };
  const load = new Child('autocannon', new URL('./load.ts', import.meta.url));
  cleanup.unshift(() => load.stop());

  type RunResult = { sent: number; ok: number; non2xx: number; errors: number; statuses: string; durationS: number; requestsPerSecond: number; latencyMs: { p50: number; p90: number; p99: number; max: number }; serverCpuMsPerRequest: number | null };
  const pids: Record<Target, number | undefined> = { billing: billing.pid, bare: bare.pid, durable: durableFloor?.pid };
  let slotOffset = 0;
  let runNo = 0;
  const runAgainst = async (target: Target, seconds: number): Promise<RunResult> => {
    // The server's own CPU time (user + system, from /proc) per answered request: what the machine's
    // load cannot inflate as it does wall-clock throughput, since waiting for a core is not counted.
    const cpuBefore = processCpuMs(pids[target]);
    const answer = await load.request<Omit<RunResult, 'serverCpuMsPerRequest'> & { type: string }>({
      type: 'run',
      url: urls[target]!,
      token,
      connections,
      durationS: seconds,
      orderIds,
      slotOffset,
      runId: `r${runNo++}`,
    });
    const cpuAfter = processCpuMs(pids[target]);
    const result: RunResult = { ...answer, serverCpuMsPerRequest: cpuBefore === null || cpuAfter === null || answer.ok === 0 ? null : (cpuAfter - cpuBefore) / answer.ok };
    slotOffset = nextSlotOffset(slotOffset, result.sent, orderIds.length);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target}: ${result.non2xx} non-2xx answers (${result.statuses}) and ${result.errors} errors`);
    return result;
  };

  console.error(`warming up ${targets.join(', ')} (${Math.min(3, durationS)} s each)…`);
  for (const target of targets) await runAgainst(target, Math.min(3, durationS));

  const runs: Array<{ rep: number; target: string; result: RunResult }> = [];
  for (let rep = 1; rep <= reps; rep++) {
    // Rotate which goes first, so none always runs on a machine another just warmed.
    const order = targets.map((_, i) => targets[(i + rep - 1) % targets.length]!);
    for (const target of order) {
      const result = await runAgainst(target, durationS);
      runs.push({ rep, target, result });
      console.error(`rep ${rep} ${target.padEnd(7)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms  server CPU ${result.serverCpuMsPerRequest?.toFixed(3) ?? '?'} ms/request`);
    }
  }

  const of = (target: string, pick: (r: RunResult) => number) => runs.filter((r) => r.target === target).sort((a, b) => a.rep - b.rep).map((r) => pick(r.result));
  const rows = [
    compare('throughput', 'requests/s', of('billing', (r) => r.requestsPerSecond), of('bare', (r) => r.requestsPerSecond)),
    compare('latency p50', 'ms', of('billing', (r) => r.latencyMs.p50), of('bare', (r) => r.latencyMs.p50)),
    compare('latency p99', 'ms', of('billing', (r) => r.latencyMs.p99), of('bare', (r) => r.latencyMs.p99)),
  ];
  let table = markdownTable(`HTTP: POST /orders/:orderId/visits (billing on ${database}, LOG_LEVEL=${logLevel}) against a bare Fastify route`, rows, { product: 'billing service', baseline: 'bare Fastify' });
  if (durableUrl) {
    const floorRows = [
      compare('throughput', 'requests/s', of('billing', (r) => r.requestsPerSecond), of('durable', (r) => r.requestsPerSecond)),
      compare('latency p50', 'ms', of('billing', (r) => r.latencyMs.p50), of('durable', (r) => r.latencyMs.p50)),
      compare('latency p99', 'ms', of('billing', (r) => r.latencyMs.p99), of('durable', (r) => r.latencyMs.p99)),
    ];
    const cpu = (target: Target) => of(target, (r) => r.serverCpuMsPerRequest ?? Number.NaN);
    if (![...cpu('billing'), ...cpu('durable')].some(Number.isNaN)) floorRows.push(compare('server CPU per request', 'ms', cpu('billing'), cpu('durable')));
    rows.push(...floorRows.map((r) => ({ ...r, metric: `${r.metric} vs durable-write floor` })));
    table += `\n\n${markdownTable(`HTTP: the same, against the durable-write floor (bare Fastify, one INSERT transaction on the same PostgreSQL)`, floorRows, { product: 'billing service', baseline: 'durable-write floor' })}`;
  }
  const file = writeResult('http', {
    options: { reps, durationS, connections, orders: orderCount, logLevel, database, quick: args.quick },
    summary: rows,
    runs,
    table,
  });
  console.log(`${table}\n\nresults: ${file}`);
} finally {
  for (const stop of cleanup) await stop().catch((err: unknown) => console.error(err));
}

/**
 * Seeds billing's orders the way they arrive in production: `orderPlaced` events on JetStream,
 * consumed by the service's own consumer. Resolves once the service answers for every order.
 */
async function seedOrders(natsUrl: string, billingUrl: string, token: string, count: number): Promise<string[]> {
  const bus = await connectEventBus(natsUrl, 'bench-seed');
  const orderIds: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const orderId = randomUUID();
      orderIds.push(orderId);
      const envelope: EventEnvelope = {
        eventId: randomUUID(),
        subject: eventCatalog.orderPlaced.subject,
        occurredAt: new Date().toISOString(),
        correlationId: null,
        payload: eventCatalog.orderPlaced.schema.parse({
          orderId,
          applicationId: randomUUID(),
          decisionId: randomUUID(),
          customerId: randomUUID(),
          providerId: PROVIDER_ID,
          providerKind: 'private',
          areaId: 'home-care',
          municipality: 'nacka',
          careHoursPerMonth: 40,
          serviceHoursPerMonth: 8,
          ...ORDER_VALIDITY,
        }),
      };
      await bus.publish(envelope);
    }
  } finally {
    await bus.close();
  }
  const deadline = Date.now() + 60_000;
  for (const orderId of orderIds) {
    for (;;) {
      const res = await fetch(`${billingUrl}/orders/${orderId}/visits?month=2026-01`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) break;
      if (res.status !== 404) throw new Error(`seeding: billing answered ${res.status} ${await res.text()}`);
      if (Date.now() > deadline) throw new Error('seeding: billing did not learn of the orders within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return orderIds;
}
