import { stockholmDate, firstDayOfMonth, lastDayOfMonth } from '@kundval/domain';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { audit, conflict, type Actor } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import { RateTableCache, occupancyAreaIds } from '../areas.js';
import { loadFinanceSettings, type FinanceSettings } from '../finance/config.js';
import { insertBatch, loadBatchTransfers, transfersPain001 } from '../finance/payment-batches.js';
import { computeFee, deliveriesFromTotals, invoiceOcr, loadDeliveries } from '../fees/fees.js';
import { setOffOpenCredits } from '../fees/fee-credits.js';
import { enqueueEvents } from '../outbox-bulk.js';
import { rechargeFor, recordRecharges, type RechargeRow } from '../payments/municipal-recharges.js';
import { loadPaidLedgers, lockProviderMonth } from '../payments/order-payments.js';
import { openPeriod } from '../periods.js';
import { insertRunDeliveries, runDeliveryTotals } from '../store/run-deliveries.js';
import { insertRows } from '../store/insert-rows.js';
import { commitDelta, emptyLedger, paymentDelta } from '../pricing/lines.js';
import { priceProviderMonth, startProviderReads, type Refusal } from './provider-month.js';

/** The basis of the payments and invoices a billing run makes: one of each per order-month and customer-month. */
export const RUN_BASIS = 'billing-run';

export type BillingRunOptions = {
  db: BillingDb;
  /** The service month to bill, `YYYY-MM`. */
  month: string;
  /** Now; the run's timestamps, staleness and the batch's execution date come from it. */
  clock?: () => Date;
  actor?: Actor;
  correlationId?: string | null;
  /** The municipality's hourly home-care fee, öre (DOMAIN.md §3); Nacka's 312 kr/h by default. */
  tariffOrePerHour?: number;
  /** Payer account and names for the payment file; the environment's (demo defaults) when left out. */
  finance?: FinanceSettings;
  /** The day the bank pays; the clock's day in Stockholm by default. */
  executionDate?: string;
  /** Visits (and attendance days) read per query. */
  visitPageSize?: number;
  /** Providers read per query. */
  providerPageSize?: number;
  /**
   * Providers whose transactions are open ahead of the one being priced, reading (never writing)
   * until it commits: 1 by default, 0 for one provider at a time. Each holds a pooled connection.
   */
  providersAhead?: number;
  /** Pages of each of a provider's sources (visits, attendance days, sessions, placements) read ahead of its pricing. */
  pagesAhead?: number;
  /** Customers charged per transaction. */
  customerPageSize?: number;
  /** Payment rows written per insert. */
  insertBatchSize?: number;
  /** A run whose heartbeat is older than this is taken over and resumed; a younger one is running. */
  staleAfterMs?: number;
};

export type BillingRunResult = {
  runId: string;
  month: string;
  /** The period the run's payments and invoices are booked in (the month, unless it was paid already). */
  periodMonth: string;
  status: 'completed';
  startedAt: string;
  finishedAt: string;
  counts: {
    providers: number;
    statements: number;
    orders: number;
    visits: number;
    payments: number;
    invoices: number;
    excludedDeliveries: number;
    refusedOrders: number;
    customersNotCharged: number;
  };
  totals: {
    /** The sum of the run's provider statements: what the month is worth to providers, rounded once per line per provider. */
    statementsOre: number;
    /** What payments of the month had paid before the run (the journeys' payments, earlier corrections). */
    previouslyPaidOre: number;
    /** What the run's payments add; with the previous ones they pay the statements exactly. */
    paymentsOre: number;
    /** What the run's fee invoices charge. */
    feesOre: number;
  };
  batch: { batchId: string; messageId: string; includedPayments: number; includedOre: number; transfers: number; skippedPayments: number; pain001Bytes: number } | null;
};

const SYSTEM: Actor = { sub: 'billing-run', role: 'system' };

/**
 * The monthly billing run for the whole municipality (ADR 0011), streaming so that memory does not
 * grow with the month's visits:
 *
 * 1. Provider by provider (keyset pages of provider ids), its month is priced from its visits read
 *    in (order, start) pages, each order by the domain's accumulator, plus its attendance days,
 *    sessions and occupied days; the statement is written, and each order-month is paid what it is worth less
 *    what earlier payments paid, booked against the provider's paid lines so the provider's
 *    payments add up to its statement; a payment for a customer another municipality placed here
 *    is recharged to it by the same rule as any other payment (ADR 0014). The customers' approved
 *    deliveries it reads on the way are tallied per (customer, area) and written with the statement
 *    (`billing_run_deliveries`). One transaction per provider.
 * 2. Customer by customer (keyset pages), the month's fee over all areas under one maxtaxa, from the
 *    tally (the month's visits are read once, in step 1), less what earlier invoices charged, with
 *    an OCR reference when there is something to pay.
 * 3. One payment batch of the period's unbatched payments, and its pain.001 file (one credit
 *    transfer per provider account).
 *
 * Idempotent per month: a completed run is returned as it is; a run that died part-way is resumed
 * after `staleAfterMs` from the first provider without a statement (every write is keyed by order,
 * customer and basis, so nothing is paid or charged twice).
 */
export async function runBillingMonth(options: BillingRunOptions): Promise<{ created: boolean; result: BillingRunResult }> {
  const { db, month } = options;
  const clock = options.clock ?? (() => new Date());
  const actor = options.actor ?? SYSTEM;
  const correlationId = options.correlationId ?? null;
  const visitPageSize = options.visitPageSize ?? 5000;
  const providerPageSize = options.providerPageSize ?? 200;
  const customerPageSize = options.customerPageSize ?? 1000;
  const insertBatchSize = options.insertBatchSize ?? 500;
  const pagesAhead = options.pagesAhead ?? 1;
  const providersAhead = options.providersAhead ?? 1;
  const tariffOrePerHour = options.tariffOrePerHour ?? 31_200;

  const run = await startOrResume(db, month, clock, actor, options.staleAfterMs ?? 120_000, correlationId);
  if (run.status === 'completed') return { created: false, result: run.result as BillingRunResult };
  const { runId, periodMonth, talliesDeliveries } = run;
  // Fresh planner statistics: a month of visits loaded just before the run would otherwise look empty
  // to the planner, which then sorts a provider's whole month for every page instead of walking the index.
  await sql`analyze visits, attendance_days, sessions, orders, month_approvals, provider_payments, fee_invoices`.execute(db);
  const heartbeat = (trx: BillingDb) => trx.updateTable('billing_runs').set({ heartbeat_at: clock() }).where('run_id', '=', runId).execute();
  // The progress metric's whole, counted afresh at each start or resume: deliveries may have arrived since.
  await db.updateTable('billing_runs').set({ orders_to_price: await ordersToPrice(db, month) }).where('run_id', '=', runId).execute();

  // 1. Providers: statements and payments.
  const resumeAfter = await db.selectFrom('provider_statements').select('provider_id').where('run_id', '=', runId).orderBy('provider_id', 'desc').limit(1).executeTakeFirst();
  const providers = providerIds(db, month, resumeAfter?.provider_id ?? null, providerPageSize);
  const settleProvider = (providerId: string, previousCommitted: Promise<void>) =>
    db.transaction().execute(async (trx) => {
      await lockProviderMonth(trx, providerId, month);
      const ledgers = await loadPaidLedgers(trx, providerId, month);
      // Read inside the transaction: an embedded database has one connection, which the transaction holds.
      const tables = new RateTableCache(trx);
      const reads = startProviderReads(trx, { providerId, month, tables, visitPageSize, pagesAhead });
      try {
        // Nothing is written before the provider before this one has committed: statements commit in
        // provider order, so a resumed run, which starts after the last provider with a statement, skips none.
        await previousCommitted;
      } catch (err) {
        await reads.close();
        throw err;
      }
      const previouslyPaidOre = ledgers.provider.totalOre;
      const paymentRefusals: Refusal[] = [];
      let pending: PaymentRow[] = [];
      let paidOre = 0;
      let payments = 0;
      let rechargedOre = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const rows = pending;
        pending = [];
        await insertRows(trx, 'provider_payments', PAYMENT_COLUMNS, rows.map((r) => r.row), insertBatchSize);
        await recordRecharges(trx, rows.flatMap((r) => (r.recharge ? [r.recharge] : [])));
        await enqueueEvents(trx, 'providerPaymentCreated', rows.map((r) => r.event), { correlationId, occurredAt: clock() });
      };
      const statement = await priceProviderMonth(trx, {
        providerId,
        month,
        tables,
        reads,
        onOrder: async (outcome) => {
          if ('refused' in outcome) return;
          const { order, now } = outcome;
          const orderPaid = ledgers.byOrder.get(order.order_id) ?? emptyLedger();
          const delta = paymentDelta(now, orderPaid, ledgers.provider);
          if (delta.lines.length === 0 && delta.unitLines.length === 0) return;
          if (delta.amountOre < 0) {
            paymentRefusals.push({ orderId: order.order_id, code: 'BILLING.NEGATIVE_CORRECTION', message: `Worth ${orderPaid.totalOre + delta.amountOre} öre, ${orderPaid.totalOre} öre paid already.` });
            return;
          }
          commitDelta(ledgers.provider, delta);
          const paymentId = randomUUID();
          paidOre += delta.amountOre;
          payments++;
          const recharge = rechargeFor(order, { payment_id: paymentId, month, period_month: periodMonth, amount_ore: delta.amountOre });
          rechargedOre += recharge?.amount_ore ?? 0;
          pending.push({
            recharge,
            row: {
              payment_id: paymentId,
              order_id: order.order_id,
              provider_id: providerId,
              month,
              basis: RUN_BASIS,
              period_month: periodMonth,
              amount_ore: delta.amountOre,
              payable_ore: orderPaid.totalOre + delta.amountOre,
              previously_paid_ore: orderPaid.totalOre,
              unpriced_minutes: delta.unpricedMinutes,
              lines: JSON.stringify(delta.lines),
              unit_lines: JSON.stringify(delta.unitLines),
              run_id: runId,
            },
            event: { paymentId, applicationId: order.application_id, orderId: order.order_id, providerId, month, amountOre: delta.amountOre, unpricedMinutes: delta.unpricedMinutes },
          });
          if (pending.length >= insertBatchSize) await flush();
        },
      });
      await flush();
      // What the fee phase charges from, with the statement: a resumed run skips this provider, and its tally is there once.
      if (talliesDeliveries) await insertRunDeliveries(trx, runId, providerId, statement.approved, insertBatchSize);
      const refused = [...statement.refused, ...paymentRefusals];
      await trx
        .insertInto('provider_statements')
        .values({
          run_id: runId,
          provider_id: providerId,
          month,
          provider_kind: statement.providerKind,
          lines: JSON.stringify(statement.lines),
          unit_lines: JSON.stringify(statement.unitLines),
          total_ore: statement.totalOre,
          unpriced_minutes: statement.unpricedMinutes,
          visit_count: statement.visitCount,
          excluded: JSON.stringify(statement.excluded),
          previously_paid_ore: previouslyPaidOre,
          paid_ore: paidOre,
          refused: JSON.stringify(refused),
        })
        .execute();
      await audit(trx, actor, {
        action: 'billing-run.provider-settled',
        entity: 'provider',
        entityId: providerId,
        after: { runId, month, periodMonth, statementOre: statement.totalOre, previouslyPaidOre, paidOre, rechargedOre, payments, orders: statement.orderCount, refused: refused.length },
        correlationId,
      });
      // The heartbeat and the progress in one statement: a round trip less per provider.
      await trx
        .updateTable('billing_runs')
        .set((eb) => ({ heartbeat_at: clock(), orders_priced: eb('orders_priced', '+', statement.orderCount) }))
        .where('run_id', '=', runId)
        .execute();
    });
  // Providers ahead: while a provider is priced and written, the next one's transaction has taken
  // its lock and read its ledgers, and its deliveries are on their way on another connection.
  const inFlight: Promise<void>[] = [];
  const settleOldest = async () => {
    try {
      await inFlight.shift();
    } catch (err) {
      // The ones after it fail at their gate, having written nothing; they end before the run does.
      await Promise.allSettled(inFlight);
      throw err;
    }
  };
  let last: Promise<void> = Promise.resolve();
  for await (const providerId of providers) {
    const current = settleProvider(providerId, last);
    // Awaited in turn below, and by the next provider's transaction as its gate; a failure must not count as unhandled meanwhile.
    current.catch(() => undefined);
    inFlight.push(current);
    last = current;
    if (inFlight.length > providersAhead) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();

  // 2. Customers: fee invoices across all areas, one maxtaxa.
  let customerCursor: string | null = null;
  for (;;) {
    let q = db.selectFrom('month_approvals as m').innerJoin('orders as o', 'o.order_id', 'm.order_id').select('o.customer_id').distinct().where('m.month', '=', month);
    if (customerCursor !== null) q = q.where('o.customer_id', '>', customerCursor);
    const page = (await q.orderBy('o.customer_id').limit(customerPageSize).execute()).map((r) => r.customer_id);
    if (page.length === 0) break;
    await db.transaction().execute(async (trx) => {
      // The same locks POST /fees takes, in one statement and in order: the run never charges against a stale total.
      await sql`select pg_advisory_xact_lock(hashtext('customer-month|' || c || '|' || ${month})) from unnest(${page}::text[]) as c order by c`.execute(trx);
      const done = new Set(
        (await trx.selectFrom('fee_invoices').select('customer_id').where('month', '=', month).where('basis', '=', RUN_BASIS).where('customer_id', 'in', page).execute()).map((r) => r.customer_id),
      );
      const customers = page.filter((c) => !done.has(c));
      if (customers.length === 0) return;
      // The provider pass tallied the month's approved deliveries; only a run started before it did reads them again.
      const deliveries = talliesDeliveries ? deliveriesFromTotals(await runDeliveryTotals(trx, runId, customers)) : await loadDeliveries(trx, customers, month);
      const bases = new Map((await trx.selectFrom('fee_bases').selectAll().where('customer_id', 'in', customers).execute()).map((b) => [b.customer_id, b]));
      const previous = new Map(
        (
          await trx
            .selectFrom('fee_invoices')
            .select((eb) => ['customer_id', eb.fn.sum<number>('fee_ore').as('charged')])
            .where('month', '=', month)
            .where('customer_id', 'in', customers)
            .groupBy('customer_id')
            .execute()
        ).map((r) => [r.customer_id, Number(r.charged)]),
      );
      const applications = new Map(
        (
          await trx
            .selectFrom('month_approvals as m')
            .innerJoin('orders as o', 'o.order_id', 'm.order_id')
            .select((eb) => ['o.customer_id', eb.fn.min(sql<string>`o.application_id::text`).as('application_id')])
            .where('m.month', '=', month)
            .where('o.customer_id', 'in', customers)
            .groupBy('o.customer_id')
            .execute()
        ).map((r) => [r.customer_id, r.application_id]),
      );
      const invoices = [];
      for (const customerId of customers) {
        const computed = computeFee(month, deliveries.get(customerId), bases.get(customerId), tariffOrePerHour);
        const previouslyCharged = previous.get(customerId) ?? 0;
        const feeOre = computed.totalFeeOre - previouslyCharged;
        // A fee now below what was charged needs a credit note, which this run does not make.
        if (feeOre < 0) continue;
        invoices.push({ customerId, computed, previouslyCharged, feeOre, applicationId: applications.get(customerId)! });
      }
      if (invoices.length === 0) return;
      const numbers = await sql<{ n: number }>`select nextval(pg_get_serial_sequence('fee_invoices', 'invoice_number'))::bigint as n from generate_series(1, ${invoices.length})`.execute(trx);
      const rows = invoices.map((inv, i) => {
        const invoiceNumber = Number(numbers.rows[i]!.n);
        return {
          ...inv,
          invoiceId: randomUUID(),
          invoiceNumber,
          ocrReference: inv.feeOre > 0 ? invoiceOcr(invoiceNumber) : null,
        };
      });
      await insertRows(
        trx,
        'fee_invoices',
        INVOICE_COLUMNS,
        rows.map((r) => ({
          invoice_id: r.invoiceId,
          invoice_number: r.invoiceNumber,
          customer_id: r.customerId,
          application_id: r.applicationId,
          month,
          basis: RUN_BASIS,
          period_month: periodMonth,
          approved_minutes: r.computed.approvedMinutes,
          attendance_days: r.computed.attendanceDays,
          tariff_ore: r.computed.tariffOre,
          maxtaxa_ore: r.computed.fee.maxtaxaOre,
          fee_room_ore: r.computed.fee.feeRoomOre,
          fee_ore: r.feeOre,
          total_fee_ore: r.computed.totalFeeOre,
          previously_charged_ore: r.previouslyCharged,
          applied_cap: r.computed.fee.appliedCap,
          per_area: JSON.stringify(r.computed.perArea),
          ocr_reference: r.ocrReference,
          run_id: runId,
        })),
        insertBatchSize,
      );
      // The customers' open fee credits are set off against the run's invoices too (ADR 0039); one wholly set off has nothing to pay by OCR.
      const setOff = await setOffRunInvoices(trx, rows, periodMonth);
      await enqueueEvents(
        trx,
        'feeCharged',
        rows.map((r) => ({ invoiceId: r.invoiceId, applicationId: r.applicationId, customerId: r.customerId, month, feeOre: r.feeOre, appliedCap: r.computed.fee.appliedCap, ocrReference: r.ocrReference ?? '' })),
        { correlationId, occurredAt: clock() },
      );
      await enqueueEvents(
        trx,
        'feeChargedV2',
        rows.map((r) => {
          const setOffOre = setOff.get(r.invoiceId) ?? 0;
          return { invoiceId: r.invoiceId, applicationId: r.applicationId, customerId: r.customerId, month, feeOre: r.feeOre, appliedCap: r.computed.fee.appliedCap, ocrReference: r.ocrReference, setOffOre, toPayOre: r.feeOre - setOffOre, cause: null };
        }),
        { correlationId, occurredAt: clock() },
      );
      await audit(trx, actor, {
        action: 'billing-run.fees-charged',
        entity: 'billing-run',
        entityId: runId,
        after: { month, periodMonth, invoices: rows.length, feesOre: rows.reduce((s, r) => s + r.feeOre, 0), from: customers[0], to: customers[customers.length - 1] },
        correlationId,
      });
      await heartbeat(trx);
    });
    if (page.length < customerPageSize) break;
    customerCursor = page[page.length - 1]!;
  }

  // 3. The payment batch of the period, and its file.
  const batch = await makeBatch(db, { runId, periodMonth, executionDate: options.executionDate ?? stockholmDate(clock()), actor, correlationId, finance: options.finance });

  const result = await summarize(db, { runId, month, periodMonth, startedAt: run.startedAt, finishedAt: clock(), batch });
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('billing_runs').set({ status: 'completed', finished_at: new Date(result.finishedAt), heartbeat_at: clock(), result: JSON.stringify(result) }).where('run_id', '=', runId).execute();
    await audit(trx, actor, { action: 'billing-run.completed', entity: 'billing-run', entityId: runId, after: result, correlationId });
  });
  return { created: true, result };
}

/** The providers a run of `month` visits (those with an approved month or a placement in force), after `after`, in id order, a page at a time. */
async function* providerIds(db: BillingDb, month: string, after: string | null, pageSize: number): AsyncGenerator<string> {
  const occupancyAreas = occupancyAreaIds();
  let cursor = after;
  for (;;) {
    const approved = db.selectFrom('month_approvals as m').innerJoin('orders as o', 'o.order_id', 'm.order_id').select('o.provider_id').where('m.month', '=', month);
    const placed = db
      .selectFrom('orders')
      .select('provider_id')
      .where('area_id', 'in', occupancyAreas.length > 0 ? occupancyAreas : ['-'])
      .where('valid_from', '<=', lastDayOfMonth(month))
      .where(sql<boolean>`least(end_date, valid_to) >= ${firstDayOfMonth(month)}::date`);
    let q = db.selectFrom(approved.union(placed).as('p')).select('p.provider_id');
    if (cursor !== null) q = q.where('p.provider_id', '>', cursor);
    const page = await q.orderBy('p.provider_id').limit(pageSize).execute();
    for (const { provider_id } of page) yield provider_id;
    if (page.length < pageSize) return;
    cursor = page[page.length - 1]!.provider_id;
  }
}

/**
 * The orders a run of `month` prices, as `priceProviderMonth` meets them: every order with a visit,
 * attendance day or session of the month in a statement's status, and every placement in force in
 * the month, of the providers the run visits (those with an approved month or a placement in force).
 *
 * Counted without reading the deliveries: an order has a delivery of the month in a statement's
 * status exactly when its month is approved with something delivered. Only the customer's approval
 * (`approveMonth`, which needs a delivery and sets every one of the month approved or disputed) and a
 * case handler's resolution of an approved month's disputes set those statuses, and deliveries are
 * never deleted nor moved to another month; a month closed as nothing delivered has none. Such an
 * order's provider is one the run visits by definition, as is every placement's. The test beside
 * this file holds the count against the deliveries themselves.
 */
export async function ordersToPrice(db: BillingDb, month: string): Promise<number> {
  const occupancy = occupancyAreaIds();
  const areas = occupancy.length > 0 ? occupancy : ['-'];
  const first = firstDayOfMonth(month);
  const last = lastDayOfMonth(month);
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from (
      select order_id from month_approvals where month = ${month} and not nothing_delivered
      union
      select order_id from orders where area_id = any(${areas}::text[]) and valid_from <= ${last}::date and coalesce(least(end_date, valid_to), valid_to) >= ${first}::date
    ) as priced`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** The columns of the run's payment rows (`PaymentRow['row']`), written by one pre-built statement per page. */
const PAYMENT_COLUMNS = ['payment_id', 'order_id', 'provider_id', 'month', 'basis', 'period_month', 'amount_ore', 'payable_ore', 'previously_paid_ore', 'unpriced_minutes', 'lines', 'unit_lines', 'run_id'] as const;
/** The columns of the run's fee invoices. */
const INVOICE_COLUMNS = [
  'invoice_id',
  'invoice_number',
  'customer_id',
  'application_id',
  'month',
  'basis',
  'period_month',
  'approved_minutes',
  'attendance_days',
  'tariff_ore',
  'maxtaxa_ore',
  'fee_room_ore',
  'fee_ore',
  'total_fee_ore',
  'previously_charged_ore',
  'applied_cap',
  'per_area',
  'ocr_reference',
  'run_id',
] as const;

type PaymentRow = {
  /** What the deciding municipality owes back for this payment, if another one placed the customer (ADR 0014). */
  recharge: RechargeRow | null;
  row: {
    payment_id: string;
    order_id: string;
    provider_id: string;
    month: string;
    basis: string;
    period_month: string;
    amount_ore: number;
    payable_ore: number;
    previously_paid_ore: number;
    unpriced_minutes: number;
    lines: string;
    unit_lines: string;
    run_id: string;
  };
  event: { paymentId: string; applicationId: string; orderId: string; providerId: string; month: string; amountOre: number; unpricedMinutes: number };
};

type StartedRun = { status: 'running'; runId: string; periodMonth: string; startedAt: string; talliesDeliveries: boolean } | { status: 'completed'; result: unknown };

async function startOrResume(db: BillingDb, month: string, clock: () => Date, actor: Actor, staleAfterMs: number, correlationId: string | null): Promise<StartedRun> {
  return db.transaction().execute(async (trx) => {
    // One run per month: the month's row is the lock.
    await sql`select pg_advisory_xact_lock(hashtext(${`billing-run|${month}`}))`.execute(trx);
    const existing = await trx.selectFrom('billing_runs').selectAll().where('month', '=', month).executeTakeFirst();
    const now = clock();
    if (existing?.status === 'completed') return { status: 'completed', result: existing.result };
    if (existing) {
      if (now.getTime() - existing.heartbeat_at.getTime() < staleAfterMs) {
        throw conflict('BILLING.RUN_IN_PROGRESS', `The billing run of ${month} is running (last heard from at ${existing.heartbeat_at.toISOString()}).`);
      }
      await trx.updateTable('billing_runs').set({ heartbeat_at: now }).where('run_id', '=', existing.run_id).execute();
      await audit(trx, actor, { action: 'billing-run.resumed', entity: 'billing-run', entityId: existing.run_id, after: { month }, correlationId });
      return { status: 'running', runId: existing.run_id, periodMonth: existing.period_month, startedAt: existing.started_at.toISOString(), talliesDeliveries: existing.tallies_deliveries };
    }
    const runId = randomUUID();
    const periodMonth = await openPeriod(trx, month);
    await trx.insertInto('billing_runs').values({ run_id: runId, month, period_month: periodMonth, status: 'running', started_by: actor.sub, started_at: now, heartbeat_at: now, finished_at: null, batch_id: null, result: null, tallies_deliveries: true }).execute();
    await audit(trx, actor, { action: 'billing-run.started', entity: 'billing-run', entityId: runId, after: { month, periodMonth }, correlationId });
    return { status: 'running', runId, periodMonth, startedAt: now.toISOString(), talliesDeliveries: true };
  });
}

/**
 * The period's unbatched payments in one batch, written by the database from the payments and the
 * providers' accounts (no payment passes through memory), then its file built once to prove it.
 */
async function makeBatch(
  db: BillingDb,
  args: { runId: string; periodMonth: string; executionDate: string; actor: Actor; correlationId: string | null; finance: FinanceSettings | undefined },
): Promise<BillingRunResult['batch']> {
  const made = await db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('billing_runs').select('batch_id').where('run_id', '=', args.runId).executeTakeFirstOrThrow();
    if (run.batch_id) return { batchId: run.batch_id, skipped: 0 };
    const unbatched = trx
      .selectFrom('provider_payments as p')
      .where('p.period_month', '=', args.periodMonth)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('payment_batch_items as i').select('i.payment_id').whereRef('i.payment_id', '=', 'p.payment_id'))));
    const skipped = await unbatched
      .leftJoin('provider_accounts as a', 'a.provider_id', 'p.provider_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => eb.or([eb('p.amount_ore', '<=', 0), eb('a.provider_id', 'is', null)]))
      .executeTakeFirstOrThrow();
    const batchId = await insertBatch(trx, { month: args.periodMonth, executionDate: args.executionDate, createdBy: args.actor.sub, retryOf: null });
    const inserted = await sql`
      insert into payment_batch_items (batch_id, payment_id, end_to_end_id, provider_id, order_id, creditor_name, bankgiro, account_kind, account_number, bic, amount_ore, status, rejection_reason, retried_in)
      select ${batchId}::uuid, p.payment_id, replace(gen_random_uuid()::text, '-', ''), p.provider_id, p.order_id, a.name, a.bankgiro, a.account_kind, a.account_number, a.bic, p.amount_ore, 'included', null, null
      from provider_payments p join provider_accounts a on a.provider_id = p.provider_id
      where p.period_month = ${args.periodMonth} and p.amount_ore > 0
        and not exists (select 1 from payment_batch_items i where i.payment_id = p.payment_id)`.execute(trx);
    if (Number(inserted.numAffectedRows ?? 0n) === 0) {
      await trx.deleteFrom('payment_batches').where('batch_id', '=', batchId).execute();
      return { batchId: null, skipped: Number(skipped.n) };
    }
    await trx.updateTable('billing_runs').set({ batch_id: batchId }).where('run_id', '=', args.runId).execute();
    await audit(trx, args.actor, { action: 'payment-batch.created', entity: 'payment-batch', entityId: batchId, after: { month: args.periodMonth, executionDate: args.executionDate, runId: args.runId, skipped: Number(skipped.n) }, correlationId: args.correlationId });
    return { batchId, skipped: Number(skipped.n) };
  });
  if (!made.batchId) return null;
  const batch = await db.selectFrom('payment_batches').selectAll().where('batch_id', '=', made.batchId).executeTakeFirstOrThrow();
  const transfers = await loadBatchTransfers(db, made.batchId);
  const file = transfersPain001(batch, transfers, args.finance ?? loadFinanceSettings());
  return {
    batchId: made.batchId,
    messageId: batch.message_id,
    includedPayments: transfers.reduce((s, t) => s + t.payments, 0),
    includedOre: transfers.reduce((s, t) => s + t.amountOre, 0),
    transfers: transfers.length,
    skippedPayments: made.skipped,
    pain001Bytes: Buffer.byteLength(file, 'utf8'),
  };
}

/** The run's counts and totals, read back from what it wrote: the same whether it ran in one go or was resumed. */
async function summarize(
  db: BillingDb,
  args: { runId: string; month: string; periodMonth: string; startedAt: string; finishedAt: Date; batch: BillingRunResult['batch'] },
): Promise<BillingRunResult> {
  const s = await db
    .selectFrom('provider_statements')
    .select((eb) => [
      eb.fn.countAll<number>().as('statements'),
      eb.fn.coalesce(eb.fn.sum<number>('total_ore'), eb.lit(0)).as('statements_ore'),
      eb.fn.coalesce(eb.fn.sum<number>('previously_paid_ore'), eb.lit(0)).as('previously_paid_ore'),
      eb.fn.coalesce(eb.fn.sum<number>('visit_count'), eb.lit(0)).as('visits'),
      sql<number>`coalesce(sum(jsonb_array_length(excluded)), 0)::bigint`.as('excluded'),
      sql<number>`coalesce(sum(jsonb_array_length(refused)), 0)::bigint`.as('refused'),
    ])
    .where('run_id', '=', args.runId)
    .executeTakeFirstOrThrow();
  const p = await db
    .selectFrom('provider_payments')
    .select((eb) => [eb.fn.countAll<number>().as('payments'), eb.fn.coalesce(eb.fn.sum<number>('amount_ore'), eb.lit(0)).as('ore'), sql<number>`count(distinct order_id)`.as('orders')])
    .where('run_id', '=', args.runId)
    .executeTakeFirstOrThrow();
  const f = await db
    .selectFrom('fee_invoices')
    .select((eb) => [eb.fn.countAll<number>().as('invoices'), eb.fn.coalesce(eb.fn.sum<number>('fee_ore'), eb.lit(0)).as('ore')])
    .where('run_id', '=', args.runId)
    .executeTakeFirstOrThrow();
  const uncharged = await db
    .selectFrom('month_approvals as m')
    .innerJoin('orders as o', 'o.order_id', 'm.order_id')
    .select(sql<number>`count(distinct o.customer_id)`.as('n'))
    .where('m.month', '=', args.month)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('fee_invoices as f').select('f.invoice_id').whereRef('f.customer_id', '=', 'o.customer_id').where('f.month', '=', args.month).where('f.basis', '=', RUN_BASIS))),
    )
    .executeTakeFirstOrThrow();
  return {
    runId: args.runId,
    month: args.month,
    periodMonth: args.periodMonth,
    status: 'completed',
    startedAt: args.startedAt,
    finishedAt: args.finishedAt.toISOString(),
    counts: {
      providers: Number(s.statements),
      statements: Number(s.statements),
      orders: Number(p.orders),
      visits: Number(s.visits),
      payments: Number(p.payments),
      invoices: Number(f.invoices),
      excludedDeliveries: Number(s.excluded),
      refusedOrders: Number(s.refused),
      customersNotCharged: Number(uncharged.n),
    },
    totals: {
      statementsOre: Number(s.statements_ore),
      previouslyPaidOre: Number(s.previously_paid_ore),
      paymentsOre: Number(p.ore),
      feesOre: Number(f.ore),
    },
    batch: args.batch,
  };
}

/**
 * Sets the open fee credits of the run's customers off against their new invoices (only customers
 * with one are asked); an invoice wholly set off loses its OCR reference. Answers what was set off, per invoice.
 */
async function setOffRunInvoices(trx: BillingDb, rows: Array<{ invoiceId: string; customerId: string; feeOre: number; ocrReference: string | null }>, periodMonth: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const charged = rows.filter((r) => r.feeOre > 0);
  if (charged.length === 0) return out;
  const withCredits = new Set(
    (await trx.selectFrom('fee_credits').select('customer_id').distinct().where('status', '=', 'open').where('customer_id', 'in', charged.map((r) => r.customerId)).execute()).map((c) => c.customer_id),
  );
  for (const r of charged.filter((x) => withCredits.has(x.customerId))) {
    const setOffOre = await setOffOpenCredits(trx, { invoiceId: r.invoiceId, customerId: r.customerId, feeOre: r.feeOre, periodMonth });
    out.set(r.invoiceId, setOffOre);
    if (setOffOre === r.feeOre) {
      r.ocrReference = null;
      await trx.updateTable('fee_invoices').set({ ocr_reference: null }).where('invoice_id', '=', r.invoiceId).execute();
    }
  }
  return out;
}
