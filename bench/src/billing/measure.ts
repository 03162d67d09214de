import { sql } from 'kysely';
import { pathToFileURL } from 'node:url';
import * as workspaceBilling from '@kundval/billing';
import type { BillingDb, BillingTables } from '@kundval/billing';
import { openDatabase, type MessagingTables } from '@kundval/platform';
import { serve, tell } from '../lib/child.js';
import { plainLoop } from './floor.js';
import { EXECUTION_DATE, MB, MIGRATIONS, MONTH, SCHEMA, TARIFF_ORE_PER_HOUR, type Measurement, type MeasureSpec } from './shared.js';

/**
 * One measurement in a process of its own, so that its peak resident memory is the run's (or the
 * floor's) and nothing else's: both sides load the same modules and open the database the same way
 * (`openDatabase`, as the billing service does); then, on `run`, the product runs `runBillingMonth`
 * for the month, or the floor its plain loop, timed from the call to its return. The product first
 * clears what an earlier repetition's run wrote, so every repetition bills the same month afresh.
 */
const spec = JSON.parse(process.argv[2]!) as MeasureSpec;
// `--baseline-build`: the same run from an earlier build, measured in the same rotation as the workspace's.
const { runBillingMonth } = (spec.billingModule ? await import(pathToFileURL(spec.billingModule).href) : workspaceBilling) as typeof workspaceBilling;
const database = await openDatabase<BillingTables & MessagingTables>({ url: spec.url, schema: SCHEMA, migrations: MIGRATIONS });
const db = database.db as BillingDb;
const rssMB = () => process.memoryUsage.rss() / MB;

if (spec.mode === 'product') {
  // The run's own output tables, and the outbox and audit rows it wrote; the generated month has none of its own.
  // `cascade` also empties whatever a later migration hangs off these (municipal_recharges did, and
  // a plain truncate then refused), so a schema change cannot break the benchmark's reset again.
  await sql`truncate billing_runs, provider_statements, provider_payments, municipal_recharges, fee_invoices, payment_batch_items, payment_batches, outbox, audit_log cascade`.execute(db);
}

serve(
  {
    run: async () => {
      const readyRssMB = rssMB();
      const cpu0 = process.cpuUsage();
      const cpuSeconds = () => {
        const used = process.cpuUsage(cpu0);
        return (used.user + used.system) / 1e6;
      };
      const t0 = performance.now();
      let measurement: Measurement;
      if (spec.mode === 'product') {
        const { result } = await runBillingMonth({ db, month: MONTH, executionDate: EXECUTION_DATE, tariffOrePerHour: TARIFF_ORE_PER_HOUR, ...spec.tuning });
        const seconds = (performance.now() - t0) / 1000;
        measurement = {
          seconds,
          cpuSeconds: cpuSeconds(),
          peakRssMB: process.resourceUsage().maxRSS / 1024,
          readyRssMB,
          totals: { visitsRead: result.counts.visits, statementsOre: result.totals.statementsOre, feesOre: result.totals.feesOre },
          detail: { counts: result.counts, batch: result.batch && { transfers: result.batch.transfers, includedPayments: result.batch.includedPayments, pain001Bytes: result.batch.pain001Bytes }, phases: await phases(), tables: await sizes() },
        };
      } else {
        const totals = await plainLoop(db, spec.floorFetchSize);
        measurement = { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(), peakRssMB: process.resourceUsage().maxRSS / 1024, readyRssMB, totals, detail: totals };
      }
      return measurement;
    },
  },
  () => database.close(),
);
tell({ type: 'ready' });

/**
 * Where the run's time went, from its audit rows (each stamped with its transaction's start):
 * start to the first fee transaction (ANALYZE, then every provider's statement and payments),
 * fees (customer pages), and the payment batch with its file and the run's summary.
 */
async function phases() {
  const { rows } = await sql<{ action: string; first: Date; n: number }>`select action, min(at) as first, count(*)::int as n from audit_log group by action`.execute(db);
  const at = (action: string) => rows.find((r) => r.action === action)?.first.getTime();
  const started = at('billing-run.started');
  const fees = at('billing-run.fees-charged');
  const batch = at('payment-batch.created');
  const completed = at('billing-run.completed');
  const s = (a?: number, b?: number) => (a !== undefined && b !== undefined ? (b - a) / 1000 : null);
  return {
    providersS: s(started, fees),
    feesS: s(fees, batch),
    batchAndSummaryS: s(batch, completed),
    providerTransactions: rows.find((r) => r.action === 'billing-run.provider-settled')?.n ?? 0,
    feeTransactions: rows.find((r) => r.action === 'billing-run.fees-charged')?.n ?? 0,
  };
}

/** Rows the run wrote: payments, invoices, outbox events. */
async function sizes() {
  const { rows } = await sql<{ payments: number; invoices: number; events: number }>`
    select (select count(*) from provider_payments)::int as payments, (select count(*) from fee_invoices)::int as invoices, (select count(*) from outbox)::int as events`.execute(db);
  return rows[0];
}
