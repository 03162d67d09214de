import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgres } from '@kundval/infra';
import { openDatabase } from '@kundval/platform';
import type { BillingDb } from '@kundval/billing';
import { Child } from '../lib/child.js';
import { compare, writeResult } from '../lib/results.js';
import { logFile } from '../lib/service-process.js';
import { copySink, generate, insertSink, type Workload } from './generate.js';
import { baselineTable, billingTable, variantTable } from './report.js';
import { MIGRATIONS, PRODUCT_DEFAULTS, SCHEMA, type Measurement, type MeasureSpec, type RunTuning } from './shared.js';

/**
 * Part 2: the monthly billing run — `runBillingMonth` from stored visits to statements, payments,
 * fee invoices, the payment batch and its pain.001 file — against the floor of that work: the same
 * rows read by the same driver in one streaming pass and added up by a plain loop (floor.ts). Each
 * size is generated straight into the billing schema on a throwaway PostgreSQL (generate.ts; not
 * timed), then product and floor alternate, each measurement in a fresh process of its own whose
 * peak RSS is reported. Sizes grow from 10 000 visits to Nacka's month (60 000) and beyond.
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false, description: 'sizes up to 60 000 visits' },
    full: { type: 'boolean', default: false, description: 'add 10 000 000 visits' },
    sizes: { type: 'string', description: 'comma-separated visit counts, instead of the default sizes' },
    reps: { type: 'string', default: '3' },
    'large-reps': { type: 'string', default: '2', description: 'repetitions for sizes of 10 000 000 visits and more' },
    'visit-page': { type: 'string', description: 'runBillingMonth visitPageSize (product default 5000)' },
    'provider-page': { type: 'string', description: 'runBillingMonth providerPageSize (product default 200)' },
    'customer-page': { type: 'string', description: 'runBillingMonth customerPageSize (product default 1000)' },
    'insert-batch': { type: 'string', description: 'runBillingMonth insertBatchSize (product default 500)' },
    'providers-ahead': { type: 'string', description: 'runBillingMonth providersAhead (product default 1; 0: one provider at a time)' },
    'pages-ahead': { type: 'string', description: 'runBillingMonth pagesAhead (product default 1)' },
    'floor-fetch': { type: 'string', description: 'rows per FETCH of the floor; the visit page size by default' },
    variant: { type: 'string', multiple: true, default: [], description: 'tuning: also run the product with other page sizes, e.g. customer-page=5000 (repeatable)' },
    'baseline-build': {
      type: 'string',
      multiple: true,
      default: [],
      description:
        'a copy of an earlier build of services/billing/dist (inside the repository, so its imports resolve): measured as the side "baseline <folder name>" in the same rotation, to compare a code change old against new (repeatable)',
    },
    pglite: { type: 'boolean', default: false, description: 'also run the sizes up to --pglite-max on PGlite' },
    'pglite-max': { type: 'string', default: '60000' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false, description: 'PostgreSQL with pg_stat_statements: after each product run, the statements that took its time' },
  },
});
const sizes = args.sizes
  ? args.sizes.split(',').map((s) => Number(s.trim()))
  : [10_000, 60_000, 100_000, 1_000_000, 10_000_000].filter((n) => n <= (args.quick ? 60_000 : args.full ? Infinity : 1_000_000));
const reps = Number(args.reps);
const largeReps = Number(args['large-reps']);
const tuning: RunTuning = {
  ...(args['visit-page'] ? { visitPageSize: Number(args['visit-page']) } : {}),
  ...(args['provider-page'] ? { providerPageSize: Number(args['provider-page']) } : {}),
  ...(args['customer-page'] ? { customerPageSize: Number(args['customer-page']) } : {}),
  ...(args['insert-batch'] ? { insertBatchSize: Number(args['insert-batch']) } : {}),
  ...(args['providers-ahead'] ? { providersAhead: Number(args['providers-ahead']) } : {}),
  ...(args['pages-ahead'] ? { pagesAhead: Number(args['pages-ahead']) } : {}),
};
const TUNING_FLAGS: Record<string, keyof RunTuning> = {
  'visit-page': 'visitPageSize',
  'provider-page': 'providerPageSize',
  'customer-page': 'customerPageSize',
  'insert-batch': 'insertBatchSize',
  'providers-ahead': 'providersAhead',
  'pages-ahead': 'pagesAhead',
};
/** Tuning variants: the product with other page sizes, measured in the same rotation as the product and the floor. */
const variants = args.variant!.map((v) => {
  const overrides = Object.fromEntries(
    v.split(',').map((part) => {
      const [flag, value] = part.split('=');
      const key = TUNING_FLAGS[flag!.trim()];
      // providers-ahead=0 is a value (one provider at a time); the page sizes are at least 1.
      if (!key || !/^\d+$/.test(value ?? '') || (Number(value) === 0 && key !== 'providersAhead')) throw new Error(`--variant ${v}: expected ${Object.keys(TUNING_FLAGS).join('|')}=N[,…]`);
      return [key, Number(value)];
    }),
  ) as RunTuning;
  return { label: v, tuning: { ...tuning, ...overrides } };
});
const baselines = args['baseline-build']!.map((dir) => ({ label: `baseline ${basename(resolve(dir))}`, module: resolve(dir, 'index.js') }));
for (const b of baselines) if (!existsSync(b.module)) throw new Error(`--baseline-build: no ${b.module}`);
const floorFetchSize = Number(args['floor-fetch'] ?? tuning.visitPageSize ?? PRODUCT_DEFAULTS.visitPageSize);
const seed = Number(args.seed);
const repsFor = (visits: number) => (visits >= 10_000_000 ? largeReps : reps);
if (reps < 3) throw new Error('at least three repetitions: every figure is a median with its spread');
if (largeReps < 1) throw new Error('--large-reps is at least 1');
if (sizes.some((s) => !Number.isSafeInteger(s) || s % 4 !== 0)) throw new Error('sizes are whole multiples of 4 (February 2026 has four of each weekday)');

type Engine = 'postgres' | 'pglite';
type Run = { engine: Engine; visits: number; rep: number; side: string; loadBefore: number; result: Measurement; statements?: StatementTime[] };
const runs: Run[] = [];
/** One statement's share of a product run, from pg_stat_statements (`--profile`). */
type StatementTime = { query: string; calls: number; totalMs: number; meanMs: number; rows: number };
let profiler: { reset: () => Promise<void>; top: (n: number) => Promise<StatementTime[]> } | undefined;
const loads: Array<{ engine: Engine; workload: Workload; seconds: number; tables?: Record<string, string> }> = [];
const cleanup: Array<() => Promise<unknown>> = [];
const log = createWriteStream(logFile('billing-postgres'), { flags: 'w' });

try {
  console.error(`sizes ${sizes.join(', ')}; ${reps} repetitions (${largeReps} from 10 000 000 visits); run options ${JSON.stringify({ ...PRODUCT_DEFAULTS, ...tuning })}; floor fetch ${floorFetchSize}`);
  const postgres = await startPostgres({
    log: (line) => log.write(`${line}\n`),
    ...(args.profile ? { settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', 'pg_stat_statements.max': '1000' } } : {}),
  });
  cleanup.unshift(() => postgres.stop());
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  cleanup.unshift(() => admin.end());

  for (const visits of sizes) {
    const name = `bench_${visits}`;
    await admin.query(`create database ${name}`);
    const url = postgres.url.replace(/\/[^/]+$/, `/${name}`);
    const dropDb = () => admin.query(`drop database if exists ${name} with (force)`);
    cleanup.unshift(dropDb);
    const t0 = performance.now();
    const opened = await openDatabase({ url, schema: SCHEMA, migrations: MIGRATIONS });
    await opened.close();
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${SCHEMA}` });
    await client.connect();
    if (args.profile) {
      await client.query('create extension if not exists pg_stat_statements schema public');
      profiler = statementProfiler(url);
    }
    let workload: Workload;
    let tables: Record<string, string>;
    try {
      workload = await generate(await copySink(client), visits, seed);
      // Hint bits, visibility map and statistics set, and the load's dirty pages written, before anything is timed.
      await client.query('vacuum analyze');
      await client.query('checkpoint');
      tables = Object.fromEntries(
        (await client.query<{ t: string; size: string }>(`select relname as t, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class where relnamespace = '${SCHEMA}'::regnamespace and relkind = 'r' and relname in ('visits', 'orders', 'month_approvals', 'fee_bases')`)).rows.map((r) => [r.t, r.size]),
      );
    } finally {
      await client.end();
    }
    const seconds = (performance.now() - t0) / 1000;
    loads.push({ engine: 'postgres', workload, seconds, tables });
    console.error(`postgres ${fmt(visits)} visits: ${workload.customers} customers, ${workload.providers} providers, ${workload.orders} orders; generated and loaded in ${seconds.toFixed(0)} s (${JSON.stringify(tables)})`);
    await measureSize('postgres', url, visits);
    await dropDb();
    cleanup.shift();
  }

  if (args.pglite) {
    for (const visits of sizes.filter((s) => s <= Number(args['pglite-max']))) {
      const dir = await mkdtemp(join(tmpdir(), 'kundval-bench-billing-'));
      cleanup.unshift(() => rm(dir, { recursive: true, force: true }));
      const url = `pglite://${dir}`;
      const t0 = performance.now();
      const opened = await openDatabase({ url, schema: SCHEMA, migrations: MIGRATIONS });
      const workload = await generate(insertSink(opened.db as BillingDb), visits, seed);
      await opened.close();
      const seconds = (performance.now() - t0) / 1000;
      loads.push({ engine: 'pglite', workload, seconds });
      console.error(`pglite ${fmt(visits)} visits: generated and loaded in ${seconds.toFixed(0)} s`);
      await measureSize('pglite', url, visits);
      await rm(dir, { recursive: true, force: true });
    }
  }

  const tables: string[] = [];
  const summary: Record<string, unknown[]> = {};
  for (const engine of ['postgres', 'pglite'] as const) {
    const rows = sizes.flatMap((visits) => {
      const of = (side: string, pick: (m: Measurement) => number) => runs.filter((r) => r.engine === engine && r.visits === visits && r.side === side).sort((a, b) => a.rep - b.rep).map((r) => pick(r.result));
      if (of('product', (m) => m.seconds).length === 0) return [];
      return [{ visits, time: compare('wall time', 's', of('product', (m) => m.seconds), of('floor', (m) => m.seconds)), peakRss: compare('peak RSS', 'MB', of('product', (m) => m.peakRssMB), of('floor', (m) => m.peakRssMB)) }];
    });
    if (rows.length === 0) continue;
    summary[engine] = rows;
    tables.push(billingTable(engine, rows, { ...PRODUCT_DEFAULTS, ...tuning }, reps, largeReps));
  }
  if (variants.length > 0) {
    const of = (engine: Engine, visits: number, side: string) => runs.filter((r) => r.engine === engine && r.visits === visits && r.side === side).sort((a, b) => a.rep - b.rep).map((r) => r.result.seconds);
    const variantRows = (['postgres', 'pglite'] as const).flatMap((engine) =>
      sizes.flatMap((visits) => (of(engine, visits, 'product').length === 0 ? [] : variants.map((v) => ({ engine, visits, label: v.label, time: compare('wall time', 's', of(engine, visits, `variant ${v.label}`), of(engine, visits, 'product')) })))),
    );
    summary['variants'] = variantRows as never;
    tables.push(variantTable(variantRows));
  }
  if (baselines.length > 0) {
    const of = (engine: Engine, visits: number, side: string, pick: (m: Measurement) => number) =>
      runs.filter((r) => r.engine === engine && r.visits === visits && r.side === side).sort((a, b) => a.rep - b.rep).map((r) => pick(r.result));
    const baselineRows = (['postgres', 'pglite'] as const).flatMap((engine) =>
      sizes.flatMap((visits) =>
        baselines.flatMap((b) =>
          of(engine, visits, b.label, (m) => m.seconds).length === 0
            ? []
            : [
                {
                  engine,
                  visits,
                  label: b.label,
                  time: compare('wall time', 's', of(engine, visits, 'product', (m) => m.seconds), of(engine, visits, b.label, (m) => m.seconds)),
                  cpu: compare('CPU time', 's', of(engine, visits, 'product', (m) => m.cpuSeconds), of(engine, visits, b.label, (m) => m.cpuSeconds)),
                },
              ],
        ),
      ),
    );
    summary['baselines'] = baselineRows as never;
    tables.push(baselineTable(baselineRows));
  }
  const table = tables.join('\n\n');
  const file = writeResult('billing', {
    options: { sizes, reps, largeReps, variants, baselineBuilds: baselines, tuning: { ...PRODUCT_DEFAULTS, ...tuning }, floorFetchSize, seed, pglite: args.pglite, pgliteMax: Number(args['pglite-max']), quick: args.quick, full: args.full },
    loads,
    summary,
    runs,
    table,
  });
  console.log(`${table}\n\nresults: ${file}`);
} finally {
  for (const stop of cleanup) await stop().catch((err: unknown) => console.error(err));
  log.end();
}

/**
 * A warm-up pass of the floor, then the repetitions: product and floor alternate, and which goes first
 * alternates too (with tuning variants, the sides rotate: each starts a repetition in turn).
 */
async function measureSize(engine: Engine, url: string, visits: number) {
  await measure({ mode: 'floor', url, tuning, floorFetchSize }, `${engine}-${fmt(visits)}-warm-up`);
  const sides: Array<{ side: string; spec: MeasureSpec }> = [
    { side: 'product', spec: { mode: 'product', url, tuning, floorFetchSize } },
    { side: 'floor', spec: { mode: 'floor', url, tuning, floorFetchSize } },
    ...variants.map((v) => ({ side: `variant ${v.label}`, spec: { mode: 'product' as const, url, tuning: v.tuning, floorFetchSize } })),
    ...baselines.map((b) => ({ side: b.label, spec: { mode: 'product' as const, url, tuning, floorFetchSize, billingModule: b.module } })),
  ];
  for (let rep = 1; rep <= repsFor(visits); rep++) {
    const order = sides.length === 2 ? (rep % 2 === 1 ? sides : [...sides].reverse()) : [...sides.slice((rep - 1) % sides.length), ...sides.slice(0, (rep - 1) % sides.length)];
    const results = new Map<string, Measurement>();
    for (const { side, spec } of order) {
      const loadBefore = loadavg()[0]!;
      const profiled = engine === 'postgres' && spec.mode === 'product' ? profiler : undefined;
      await profiled?.reset();
      const result = await measure(spec, `${engine}-${fmt(visits)}-${side.replace(/\W+/g, '-')}-${rep}`);
      const statements = await profiled?.top(10);
      results.set(side, result);
      runs.push({ engine, visits, rep, side, loadBefore, result, ...(statements ? { statements } : {}) });
      if (statements) console.error(profileTable(statements));
      console.error(`${engine} ${fmt(visits).padStart(4)} rep ${rep} ${side.padEnd(7)} ${result.seconds.toFixed(2).padStart(8)} s (CPU ${result.cpuSeconds.toFixed(1)} s)  peak RSS ${result.peakRssMB.toFixed(0).padStart(4)} MB (ready ${result.readyRssMB.toFixed(0)} MB)  load ${loadBefore.toFixed(1)}${spec.mode === 'product' ? `  ${JSON.stringify(result.detail['phases'])}` : ''}`);
    }
    // The floor adds up the same money from the same rows, or it is not the floor of this work.
    const floor = results.get('floor')!;
    for (const [side, result] of results) {
      for (const key of ['visitsRead', 'statementsOre', 'feesOre'] as const) {
        if (result.totals[key] !== floor.totals[key]) throw new Error(`${engine} ${visits}: ${key} is ${result.totals[key]} for ${side} but ${floor.totals[key]} for the floor`);
      }
    }
  }
}

async function measure(spec: MeasureSpec, name: string): Promise<Measurement> {
  const child = new Child(`billing-${name}`, new URL('./measure.ts', import.meta.url), { args: [JSON.stringify(spec)] });
  try {
    await child.next('ready', 300_000);
    const { type: _type, ...measurement } = await child.request<Measurement & { type: string }>({ type: 'run' }, 4 * 3_600_000);
    return measurement;
  } finally {
    await child.stop();
  }
}

function fmt(visits: number): string {
  return visits >= 1_000_000 ? `${visits / 1_000_000}M` : `${visits / 1000}k`;
}


/** Reads where a run's database time went: pg_stat_statements of the run's database, reset before the run. */
function statementProfiler(url: string) {
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    reset: async () => void (await query('select public.pg_stat_statements_reset()')),
    top: async (n: number) =>
      (
        await query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
          `select left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query, calls, total_exec_time as total, mean_exec_time as mean, rows
             from public.pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
             order by total_exec_time desc limit $1`,
          [n],
        )
      ).map((r) => ({ query: r.query, calls: Number(r.calls), totalMs: Math.round(r.total), meanMs: Number(r.mean.toFixed(3)), rows: Number(r.rows) })),
  };
}

function profileTable(statements: StatementTime[]): string {
  const rows = statements.map((s) => `| ${s.totalMs} | ${s.calls} | ${s.meanMs} | ${s.rows} | \`${s.query.replace(/\|/g, '\\|')}\` |`);
  return ['| total ms | calls | mean ms | rows | statement |', '|---|---|---|---|---|', ...rows].join('\n');
}
