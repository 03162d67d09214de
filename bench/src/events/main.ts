import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { EVENT_STREAM } from '@kundval/contracts';
import { findRepoRoot, startNatsServer, startPostgres } from '@kundval/infra';
import { Child } from '../lib/child.js';
import type { ProfileSummary } from '../lib/cpu-profile.js';
import { findProcess, processTreeCpuMs } from '../lib/process-cpu.js';
import { compare, markdownTable, writeResult } from '../lib/results.js';
import { percentile } from '../lib/stats.js';
import { PLAIN_STREAM, type Load, type Produced, type Received } from './shared.js';

/**
 * Part 3: the services' event path — outbox row in a service transaction, OutboxRelay to JetStream,
 * durable consumer storing it with inbox de-duplication — against plain nats.js publish and consume
 * on the same nats-server. Producer and consumer are processes of their own on both paths.
 * Two phases per repetition: throughput (as many events as fast as the producer can write them) and
 * latency (events paced at a rate both paths sustain, so the figure is the path's cost, not a queue).
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
    count: { type: 'string', description: 'events per throughput run' },
    writers: { type: 'string', default: '8' },
    rate: { type: 'string', default: '50', description: 'events/s in the latency phase' },
    seconds: { type: 'string', description: 'length of the latency phase' },
    'relay-batch': { type: 'string' },
    'relay-poll-ms': { type: 'string' },
    relay: { type: 'string', default: 'product', description: 'product, or pipelined: the experiment in pipelined-relay.ts' },
    database: { type: 'string', default: 'pglite', description: 'pglite (on disk, as npm start runs) or postgres (as production runs): the producer’s outbox and the consumer’s store' },
    'consumer-batch': { type: 'string', description: 'events the consumer applies per transaction at most (1: one each; default: the platform’s INBOX_BATCH_EVENTS)' },
    'consumer-apply': { type: 'string', default: 'batch', description: 'batch (billing’s batch-aware apply: one INSERT per run of placements) or per-event (its apply on each event of a batch)' },
    floor: { type: 'boolean', default: false, description: 'with --database postgres: the baseline commits each event in a transaction of its own (one INSERT) before publishing it, the durable-write floor' },
    phases: { type: 'string', default: 'throughput,backlog,latency', description: 'which phases each repetition runs' },
    profile: { type: 'boolean', default: false, description: 'a CPU profile of each producer and consumer per measured run, and on PostgreSQL the statements each product run sent (pg_stat_statements)' },
  },
});
const reps = Number(args.reps);
const count = Number(args.count ?? (args.quick ? 500 : 3000));
const writers = Number(args.writers);
const rate = Number(args.rate);
const seconds = Number(args.seconds ?? (args.quick ? 4 : 10));
const relayOptions = {
  ...(args['relay-batch'] ? { batchSize: Number(args['relay-batch']) } : {}),
  ...(args['relay-poll-ms'] ? { pollMs: Number(args['relay-poll-ms']) } : {}),
  ...(args.relay === 'pipelined' ? { pipelined: true } : {}),
};
const consumerBatch = args['consumer-batch'];
const database = args.database!;
if (args.floor && database !== 'postgres') throw new Error('--floor needs --database postgres');
if (!['batch', 'per-event'].includes(args['consumer-apply']!)) throw new Error('--consumer-apply is batch or per-event');
if (!['pglite', 'postgres'].includes(database)) throw new Error('--database is pglite or postgres');
const phases = new Set(args.phases!.split(','));
for (const phase of phases) if (!['throughput', 'backlog', 'latency'].includes(phase)) throw new Error(`unknown phase ${phase}`);
if (reps < 3) throw new Error('at least three repetitions: every figure is a median with its spread');

type Mode = 'product' | 'plain';
const nats = await startNatsServer();
// On PostgreSQL, producer and consumer share one server, each in its own schema, as two services do.
const postgres =
  database === 'postgres'
    ? await startPostgres(args.profile ? { settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', 'pg_stat_statements.max': '1000' } } : {})
    : undefined;
const databaseUrl = postgres?.url ?? 'pglite';
const statements = postgres && args.profile ? await statementProfiler(postgres.url) : undefined;
const profileDir = args.profile ? join(findRepoRoot(), '.data', 'bench-profiles', `events-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const children: Child[] = [];
try {
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: PLAIN_STREAM.name, subjects: [PLAIN_STREAM.subject] });

  const start = (name: string, script: string, mode: Mode, extra: string[] = []) => {
    const child = new Child(`${mode}-${name}`, new URL(script, import.meta.url), { args: [mode, nats.url, ...extra] });
    children.push(child);
    return child;
  };
  const paths = {
    product: { producer: start('producer', './producer.ts', 'product', [JSON.stringify(relayOptions), databaseUrl]), consumer: start('consumer', './consumer.ts', 'product', [databaseUrl, consumerBatch ?? '', args['consumer-apply']!]), stream: EVENT_STREAM.name },
    plain: { producer: start('producer', './producer.ts', 'plain', args.floor ? ['{}', databaseUrl] : []), consumer: start('consumer', './consumer.ts', 'plain'), stream: PLAIN_STREAM.name },
  };
  for (const child of children) await child.next('ready', 120_000);
  const postgresPid = postgres ? findProcess(['-p', String(postgres.port)]) : undefined;
  /** CPU ms so far of every process a path uses: its producer and consumer, and the servers (shared by both paths, but each run has them to itself). */
  const cpuNow = (mode: Mode) => ({
    producer: processTreeCpuMs(paths[mode].producer.pid ?? 0),
    consumer: processTreeCpuMs(paths[mode].consumer.pid ?? 0),
    natsServer: nats.pid ? processTreeCpuMs(nats.pid) : undefined,
    ...((mode === 'product' || args.floor) && postgresPid ? { postgres: processTreeCpuMs(postgresPid) } : {}),
  });

  let runNo = 0;
  // backlog: every event is written and published before the consumer starts, so the run measures the consumer alone.
  const run = async (mode: Mode, load: Load, backlog = false, label?: string) => {
    const { producer, consumer, stream } = paths[mode];
    const profileAs = profileDir ? label : undefined;
    await jsm.streams.purge(stream);
    const profiling = profileAs ? [producer, consumer] : [];
    for (const child of profiling) await child.request({ type: 'cpu-profile:start' });
    if (mode === 'product' && profileAs) await statements?.reset();
    // Wrapped, so that awaiting the arming does not also await the arrivals.
    const arm = async () => {
      await consumer.request({ type: 'arm', durable: `bench-${mode}-${runNo++}`, expected: load.count });
      return { received: consumer.next<Received & { type: string }>('received', 300_000) };
    };
    const cpuBefore = cpuNow(mode);
    const early = backlog ? undefined : await arm();
    const produced = await producer.request<Produced & { type: string }>({ type: 'produce', ...load }, 300_000);
    const { storedAt } = await (early ?? (await arm())).received;
    const cpuAfter = cpuNow(mode);
    const cpu: Record<string, ProfileSummary> = {};
    for (const [role, child] of profiling.map((c, i) => [i === 0 ? 'producer' : 'consumer', c] as const)) {
      cpu[role] = (await child.request<{ type: string; summary: ProfileSummary }>({ type: 'cpu-profile:stop', file: join(profileDir!, `${profileAs}-${mode}-${role}.cpuprofile`) })).summary;
    }
    const database = mode === 'product' && profileAs ? await statements?.top(12) : undefined;    const latencies = Object.entries(storedAt).map(([eventId, at]) => at - produced.emittedAt[eventId]!);
    if (latencies.some((l) => !Number.isFinite(l))) throw new Error(`${mode}: the consumer stored an event the producer did not emit`);
    const firstEmitted = Math.min(...Object.values(produced.emittedAt));
    const lastStored = Math.max(...Object.values(storedAt));
    const perSecond = (end: number) => latencies.length / ((end - firstEmitted) / 1000);
    const firstStored = Math.min(...Object.values(storedAt));
    // CPU each process spent per event in this run (µs), from /proc: where the machine's two cores went.
    const cpuMicrosPerEvent = Object.fromEntries(
      Object.entries(cpuAfter).map(([name, after]) => {
        const before = cpuBefore[name as keyof typeof cpuBefore];
        return [name, after === undefined || before === undefined ? null : Math.round(((after - before) * 1000) / latencies.length)];
      }),
    );
    return {
      events: latencies.length,
      cpuMicrosPerEvent,
      consumedPerSecond: (latencies.length - 1) / ((lastStored - firstStored) / 1000),
      perSecond: perSecond(lastStored),
      // Where the time goes: events/s written (outbox commits), published (relay acks) and stored.
      stages: { writtenPerSecond: perSecond(produced.writtenAt), publishedPerSecond: perSecond(produced.publishedAt), storedPerSecond: perSecond(lastStored) },
      latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
      ...(profileAs ? { profile: { cpu, statements: database } } : {}),
    };
  };
  /** With `--profile`: each process's busy CPU per event and its busiest packages, and the statements the database ran per event. */
  const report = (label: string, result: Awaited<ReturnType<typeof run>>) => {
    if (!result.profile) return;
    for (const [role, summary] of Object.entries(result.profile.cpu)) {
      const top = summary.byPackage.slice(0, 6).map((p) => `${p.name} ${p.ms}`).join(', ');
      console.error(`  ${label} ${role}: busy ${summary.busyMs} ms of ${summary.sampledMs} (${((summary.busyMs * 1000) / result.events).toFixed(0)} µs/event; gc ${summary.garbageCollectionMs}); ${top}`);
    }
    for (const s of result.profile.statements ?? []) console.error(`  ${label} db ${(s.calls / result.events).toFixed(2)}/event ${s.totalMs} ms ${s.query}`);
  };

  const cpuText = (cpu: Record<string, number | null>) => {
    const parts = Object.entries(cpu).filter((e): e is [string, number] => e[1] !== null);
    return `${parts.map(([name, us]) => `${name} ${us}`).join(', ')}; total ${parts.reduce((sum, [, us]) => sum + us, 0)}`;
  };

  console.error('warming up both paths…');
  for (const mode of ['product', 'plain'] as const) await run(mode, { count: 200, writers });

  type RunResult = Awaited<ReturnType<typeof run>>;
  const runs: Array<{ rep: number; phase: 'throughput' | 'backlog' | 'latency'; mode: Mode; result: RunResult }> = [];
  for (let rep = 1; rep <= reps; rep++) {
    const order: Mode[] = rep % 2 === 1 ? ['product', 'plain'] : ['plain', 'product'];
    for (const mode of phases.has('throughput') ? order : []) {
      const result = await run(mode, { count, writers }, false, `throughput-rep${rep}`);
      runs.push({ rep, phase: 'throughput', mode, result });
      report(`rep ${rep} throughput ${mode}`, result);
      console.error(`rep ${rep} throughput ${mode.padEnd(7)} ${result.perSecond.toFixed(0).padStart(6)} events/s (written ${result.stages.writtenPerSecond.toFixed(0)}/s, published ${result.stages.publishedPerSecond.toFixed(0)}/s; p50 ${result.latencyMs.p50.toFixed(1)} ms under saturation; CPU µs/event ${cpuText(result.cpuMicrosPerEvent)})`);
    }
    for (const mode of phases.has('backlog') ? order : []) {
      const result = await run(mode, { count, writers }, true, `backlog-rep${rep}`);
      runs.push({ rep, phase: 'backlog', mode, result });
      report(`rep ${rep} backlog ${mode}`, result);
      console.error(`rep ${rep} backlog    ${mode.padEnd(7)} ${result.consumedPerSecond.toFixed(0).padStart(6)} events/s consumed from a backlog of ${count} (CPU µs/event ${cpuText(result.cpuMicrosPerEvent)})`);
    }
    for (const mode of phases.has('latency') ? order : []) {
      const result = await run(mode, { count: rate * seconds, writers, ratePerSecond: rate }, false, `latency-rep${rep}`);
      runs.push({ rep, phase: 'latency', mode, result });
      report(`rep ${rep} latency ${mode}`, result);
      console.error(`rep ${rep} latency    ${mode.padEnd(7)} at ${rate}/s: p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms`);
    }
  }

  const cpuTotal = (r: RunResult) => Object.values(r.cpuMicrosPerEvent).reduce<number>((sum, us) => sum + (us ?? 0), 0);
  const of = (phase: string, mode: Mode, pick: (r: RunResult) => number) => runs.filter((r) => r.phase === phase && r.mode === mode).sort((a, b) => a.rep - b.rep).map((r) => pick(r.result));
  const rows = [
    ...(phases.has('throughput') ? [compare('throughput, publish to stored', 'events/s', of('throughput', 'product', (r) => r.perSecond), of('throughput', 'plain', (r) => r.perSecond))] : []),
    ...(phases.has('throughput')
      ? [compare('CPU per event in the throughput phase, every process', 'µs', of('throughput', 'product', cpuTotal), of('throughput', 'plain', cpuTotal))]
      : []),
    ...(phases.has('backlog') ? [compare('consumer alone, from a backlog', 'events/s', of('backlog', 'product', (r) => r.consumedPerSecond), of('backlog', 'plain', (r) => r.consumedPerSecond))] : []),
    ...(phases.has('latency')
      ? [
          compare(`latency p50 at ${rate} events/s`, 'ms', of('latency', 'product', (r) => r.latencyMs.p50), of('latency', 'plain', (r) => r.latencyMs.p50)),
          compare(`latency p99 at ${rate} events/s`, 'ms', of('latency', 'product', (r) => r.latencyMs.p99), of('latency', 'plain', (r) => r.latencyMs.p99)),
        ]
      : []),
  ];
  const baselineLabel = args.floor ? 'plain nats.js + one INSERT transaction per event' : 'plain nats.js';
  const table = markdownTable(`Events: outbox → JetStream → consumer → store, against ${baselineLabel}`, rows, { product: 'services’ path', baseline: baselineLabel });
  const file = writeResult('events', { options: { reps, count, writers, rate, seconds, relayOptions, database, consumerBatch: consumerBatch ?? 'default', consumerApply: args['consumer-apply'], floor: args.floor, phases: [...phases], profile: args.profile, quick: args.quick }, summary: rows, runs, table });
  console.log(`${table}\n\nresults: ${file}${profileDir ? `\nCPU profiles: ${profileDir}` : ''}`);
  await nc.close();
} finally {
  for (const child of children.reverse()) await child.stop().catch((err: unknown) => console.error(err));
  await nats.stop();
  await postgres?.stop();
}

/** Reads where a run's database time went: pg_stat_statements of the benchmark's database, reset before each profiled product run. */
async function statementProfiler(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('create extension if not exists pg_stat_statements schema public');
  await client.end();
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<R>(text, values)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    reset: async () => void (await query('select public.pg_stat_statements_reset()')),
    top: async (n: number) =>
      (
        await query<{ query: string; calls: string; total: number; rows: string }>(
          `select left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as query, calls, total_exec_time as total, rows
             from public.pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
               and query not like '%pg_stat_statements%'
             order by calls desc, total_exec_time desc limit $1`,
          [n],
        )
      ).map((r) => ({ query: r.query, calls: Number(r.calls), totalMs: Math.round(r.total), rows: Number(r.rows) })),
  };
}
