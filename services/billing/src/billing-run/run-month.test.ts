import { stockholmMonth } from '@kundval/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { validateAgainstXsd, controlTotalProblems } from '../finance/test-support/pain001-checks.js';
import { fieldsOf, placeOrder, startFullBilling, visit, type FullBilling, type PlacedOrder } from '../test-support/corrections.js';
import { createMetrics } from '@kundval/platform';
import { ordersToPrice, runBillingMonth, type BillingRunResult } from './run-month.js';
import { registerBillingRunMetrics } from './metrics.js';
import { deliveriesFromTotals, loadDeliveries } from '../fees/fees.js';
import { runDeliveryTotals } from '../store/run-deliveries.js';

type Setup = { orders: PlacedOrder[]; journeyPaid: PlacedOrder; refused: PlacedOrder };

describe.each(testEngines())('the monthly billing run on %s', (engine) => {
  let svc: FullBilling;
  let finance: Record<string, string>;
  let system: Record<string, string>;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_runs');
    [finance, system] = await Promise.all([svc.as({ role: 'finance' }), svc.as({ role: 'system' })]);
  });
  afterAll(() => svc?.close());

  const post = (url: string, headers: Record<string, string>, payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url, headers, payload });
  const providerOf = (o: PlacedOrder) => svc.as({ role: 'provider', providerId: o.providerId });
  /** The journey's worker carrying the customer's approval (ADR 0029): `system` on their behalf. */
  const journeyFor = (o: { customerId: string }) => svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${o.customerId}`, role: 'citizen', customerId: o.customerId } });

  /** Home care, day activities and a nursing home in `month`, some paid and charged by journeys already, one order without rates. */
  async function monthOfDeliveries(month: string, offset: string): Promise<Setup> {
    const orders: PlacedOrder[] = [];
    const day = (d: number) => `${month}-${String(d).padStart(2, '0')}`;
    // Weekdays of the month, to keep the arithmetic in the weekday band.
    const weekdays = Array.from({ length: 28 }, (_, i) => i + 1).filter((d) => {
      const w = new Date(`${day(d)}T12:00:00Z`).getUTCDay();
      return w >= 1 && w <= 5;
    });
    for (const [providerId, providerKind, count] of [
      ['run-alfa', 'private', 3],
      ['run-beta', 'municipal', 2],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const order = await placeOrder(svc.db, { providerId, providerKind });
        // Odd minutes, so that rounding per order and per provider would differ.
        const visits = weekdays.slice(0, 4 + i).map((d, k) => visit(day(d), '08:00', `08:${String(7 + k * 9 + i).padStart(2, '0')}`, 'care', offset));
        visits.push(visit(day(weekdays[6]!), '19:10', '19:47', 'care', offset), visit(day(weekdays[7]!), '10:00', '10:35', 'service', offset));
        const reported = await post(`/orders/${order.orderId}/visits`, await providerOf(order), { visits });
        expect(reported.statusCode, reported.body).toBe(201);
        const disputed = i === 0 ? [reported.json().visits[0].visitId] : [];
        expect((await post(`/orders/${order.orderId}/months/${month}/approval`, await journeyFor(order), { disputedVisitIds: disputed })).statusCode).toBe(201);
        orders.push(order);
      }
    }
    const dayActivity = await placeOrder(svc.db, { providerId: 'run-gamma', areaId: 'day-activities', level: 2, customerId: orders[0]!.customerId });
    await post(`/orders/${dayActivity.orderId}/attendance`, await providerOf(dayActivity), { days: weekdays.slice(0, 5).map(day) });
    await post(`/orders/${dayActivity.orderId}/months/${month}/approval`, await journeyFor(dayActivity), {});
    orders.push(dayActivity);
    const home = await placeOrder(svc.db, { providerId: 'run-delta', providerKind: 'municipal', areaId: 'nursing-home', level: 2 });
    await post(`/orders/${home.orderId}/occupancy`, await providerOf(home), { kind: 'moved-in', from: day(5) });
    orders.push(home);
    const refused = await placeOrder(svc.db, { providerId: 'run-epsilon', municipality: 'utan-taxa' });
    await post(`/orders/${refused.orderId}/visits`, await providerOf(refused), { visits: [visit(day(weekdays[0]!), '08:00', '09:00', 'care', offset)] });
    await post(`/orders/${refused.orderId}/months/${month}/approval`, await journeyFor(refused), {});
    // A journey paid and charged one order before the run.
    const journeyPaid = orders[3]!;
    expect((await post('/provider-payments', system, { orderId: journeyPaid.orderId, month })).statusCode).toBe(201);
    expect((await post('/fees', system, { customerId: journeyPaid.customerId, applicationId: journeyPaid.applicationId, month, basis: `approval:${journeyPaid.orderId}` })).statusCode).toBe(201);
    return { orders, journeyPaid, refused };
  }

  async function statementsOf(runId: string) {
    return svc.db.selectFrom('provider_statements').selectAll().where('run_id', '=', runId).orderBy('provider_id').execute();
  }

  /** What every payment of the month has paid each provider, all bases together. */
  async function paidPerProvider(month: string) {
    const rows = await svc.db.selectFrom('provider_payments').select(['provider_id', (eb) => eb.fn.sum<number>('amount_ore').as('ore')]).where('month', '=', month).groupBy('provider_id').execute();
    return Object.fromEntries(rows.map((r) => [r.provider_id, Number(r.ore)]));
  }

  describe('POST /billing-runs', () => {
    let setup: Setup;
    let run: BillingRunResult;

    beforeAll(async () => {
      for (const p of ['run-alfa', 'run-beta', 'run-gamma']) {
        expect((await svc.app.inject({ method: 'PUT', url: `/providers/${p}/account`, headers: finance, payload: { name: `${p} AB`, bankgiro: '5050-1055' } })).statusCode).toBe(200);
      }
      setup = await monthOfDeliveries('2025-03', '+01:00');
      const res = await post('/billing-runs', finance, { month: '2025-03' });
      expect(res.statusCode, res.body).toBe(201);
      run = res.json();
    });

    it("writes a statement per provider and its totals equal the sum of its statements, which the month's payments now pay exactly", async () => {
      const statements = await statementsOf(run.runId);
      expect(statements.map((s) => s.provider_id)).toEqual(['run-alfa', 'run-beta', 'run-delta', 'run-epsilon', 'run-gamma']);
      const sum = statements.reduce((s, r) => s + r.total_ore, 0);
      expect(run.totals.statementsOre).toBe(sum);
      expect(run.totals.statementsOre).toBe(run.totals.previouslyPaidOre + run.totals.paymentsOre);
      expect(run.totals.previouslyPaidOre).toBeGreaterThan(0);
      const paid = await paidPerProvider('2025-03');
      for (const s of statements) expect(paid[s.provider_id] ?? 0, s.provider_id).toBe(s.total_ore);
      // The statement is what GET /providers/:providerId/statements/:month shows.
      const live = await svc.app.inject({ method: 'GET', url: '/providers/run-alfa/statements/2025-03', headers: finance });
      expect(live.json()).toMatchObject({ totalOre: statements[0]!.total_ore, lines: statements[0]!.lines, outstandingOre: 0 });
      expect(run.counts).toMatchObject({ providers: 5, statements: 5, refusedOrders: 1, excludedDeliveries: 2 });
      expect(statements.find((s) => s.provider_id === 'run-epsilon')!.refused).toEqual([expect.objectContaining({ orderId: setup.refused.orderId, code: 'BILLING.NO_RATE_TABLE' })]);
      // The nursing home: 5–31 March at level 2's 1 620 kr.
      expect(statements.find((s) => s.provider_id === 'run-delta')!.total_ore).toBe(27 * 162_000);
    });

    it("charges every customer's month under one maxtaxa, less what a journey charged, with OCR references", async () => {
      const invoices = await svc.db.selectFrom('fee_invoices').selectAll().where('run_id', '=', run.runId).execute();
      expect(run.counts.invoices).toBe(invoices.length);
      expect(run.totals.feesOre).toBe(invoices.reduce((s, i) => s + i.fee_ore, 0));
      const customers = new Set(setup.orders.filter((o) => o.providerId !== 'run-delta').map((o) => o.customerId));
      customers.add(setup.refused.customerId);
      expect(new Set(invoices.map((i) => i.customer_id))).toEqual(customers);
      for (const i of invoices) {
        expect(i.total_fee_ore).toBeLessThanOrEqual(264_200);
        expect(i.fee_ore + i.previously_charged_ore).toBe(i.total_fee_ore);
        expect(i.ocr_reference === null).toBe(i.fee_ore === 0);
      }
      const journeyCustomer = invoices.find((i) => i.customer_id === setup.journeyPaid.customerId)!;
      expect(journeyCustomer.previously_charged_ore).toBeGreaterThan(0);
      expect(run.counts.customersNotCharged).toBe(0);
    });

    it("batches the period's payments into one pain.001 file, one credit transfer per provider account, skipping providers without one", async () => {
      expect(run.batch).not.toBeNull();
      const batch = run.batch!;
      const payments = await svc.db.selectFrom('provider_payments').select(['provider_id', 'amount_ore']).where('period_month', '=', '2025-03').where('amount_ore', '>', 0).execute();
      const withAccount = payments.filter((p) => ['run-alfa', 'run-beta', 'run-gamma'].includes(p.provider_id));
      expect(batch).toMatchObject({ transfers: 3, includedPayments: withAccount.length, includedOre: withAccount.reduce((s, p) => s + p.amount_ore, 0) });
      expect(batch.skippedPayments).toBe(payments.length - withAccount.length);
      const file = await svc.app.inject({ method: 'GET', url: `/payment-batches/${batch.batchId}/pain001`, headers: finance });
      expect(file.statusCode).toBe(200);
      expect(Buffer.byteLength(file.body)).toBe(batch.pain001Bytes);
      expect(await validateAgainstXsd(file.body)).toEqual({ valid: true, errors: [] });
      expect(controlTotalProblems(file.body)).toEqual([]);
      expect(file.body.match(/<CdtTrfTxInf>/g)).toHaveLength(3);
    });

    it('announces every payment and invoice it made through the outbox, and audits the run', async () => {
      const events = await svc.outbox();
      const payments = await svc.db.selectFrom('provider_payments').select('payment_id').where('run_id', '=', run.runId).execute();
      const paymentEvents = events.filter((e) => e.subject === 'kundval.billing.provider-payment.created.v1' && payments.some((p) => p.payment_id === e.payload['paymentId']));
      expect(paymentEvents).toHaveLength(payments.length);
      const invoices = await svc.db.selectFrom('fee_invoices').select('invoice_id').where('run_id', '=', run.runId).execute();
      expect(events.filter((e) => e.subject === 'kundval.billing.fee.charged.v1' && invoices.some((i) => i.invoice_id === e.payload['invoiceId']))).toHaveLength(invoices.length);
      const actions = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', run.runId).orderBy('id').execute();
      expect(actions.map((a) => a.action)).toEqual(['billing-run.started', 'billing-run.fees-charged', 'billing-run.completed']);
    });

    it('runs once per month: a second request answers the run (200) and changes nothing; the journey then finds nothing left to pay', async () => {
      const before = await tableCounts(svc.db);
      const again = await post('/billing-runs', system, { month: '2025-03' });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(run);
      expect(await tableCounts(svc.db)).toEqual(before);
      const state = await svc.app.inject({ method: 'GET', url: '/billing-runs/2025-03', headers: await svc.as({ role: 'operator' }) });
      expect(state.json()).toMatchObject({ runId: run.runId, status: 'completed', result: run });
      const late = await post('/provider-payments', system, { orderId: setup.orders[0]!.orderId, month: '2025-03' });
      expect(late.statusCode).toBe(201);
      expect(late.json()).toMatchObject({ amountOre: 0, previouslyPaidOre: late.json().payableOre });
    });

    it('keeps its progress, eight orders to price and eight priced (the refused one too), which /metrics shows per month', async () => {
      const row = await svc.db.selectFrom('billing_runs').select(['orders_to_price', 'orders_priced']).where('run_id', '=', run.runId).executeTakeFirstOrThrow();
      // Three and two home-care orders, a day activity, a nursing-home placement and the order without rates.
      expect(row).toEqual({ orders_to_price: 8, orders_priced: 8 });
      const metrics = createMetrics('billing', { processMetrics: false });
      registerBillingRunMetrics(metrics, svc.db);
      const text = await metrics.registry.metrics();
      expect(text).toContain('kundval_billing_run_orders_to_price{month="2025-03",service="billing"} 8');
      expect(text).toContain('kundval_billing_run_orders_priced{month="2025-03",service="billing"} 8');
      expect(text).toContain('kundval_billing_run_running{month="2025-03",service="billing"} 0');
    });

    it('refuses a bad month (400), a month not over (409), callers without a token (401) or the role (403), storing nothing', async () => {
      const before = await tableCounts(svc.db);
      const bad = await post('/billing-runs', finance, { month: '2025-3' });
      expect(bad.statusCode).toBe(400);
      expect(fieldsOf(bad)).toContain('body.month');
      const current = await post('/billing-runs', finance, { month: stockholmMonth(new Date()) });
      expect(current.statusCode).toBe(409);
      expect(current.json()).toMatchObject({ error: 'BILLING.MONTH_NOT_OVER', issues: [{ field: 'body.month' }] });
      expect((await post('/billing-runs', {}, { month: '2025-03' })).statusCode).toBe(401);
      for (const role of ['provider', 'case-handler', 'operator', 'administrator', 'citizen'] as const) expect((await post('/billing-runs', await svc.as({ role }), { month: '2025-03' })).statusCode).toBe(403);
      const none = await svc.app.inject({ method: 'GET', url: '/billing-runs/2024-01', headers: finance });
      expect(none.statusCode).toBe(404);
      expect(none.json().error).toBe('BILLING.RUN_NOT_FOUND');
      expect(fieldsOf(await svc.app.inject({ method: 'GET', url: '/billing-runs/jan', headers: finance }))).toContain('params.month');
      expect((await svc.app.inject({ method: 'GET', url: '/billing-runs/2025-03', headers: await svc.as({ role: 'provider', providerId: 'run-alfa' }) })).statusCode).toBe(403);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('runBillingMonth', () => {
    it('pages through providers, visits and customers in batches as small as one and arrives at the same statements', async () => {
      await monthOfDeliveries('2025-04', '+02:00');
      const clock = () => new Date('2025-05-02T06:00:00Z');
      const { created, result } = await runBillingMonth({ db: svc.db, month: '2025-04', clock, visitPageSize: 2, providerPageSize: 1, customerPageSize: 1, insertBatchSize: 1, executionDate: '2025-05-05' });
      expect(created).toBe(true);
      expect(result).toMatchObject({ month: '2025-04', periodMonth: '2025-04', startedAt: '2025-05-02T06:00:00.000Z', finishedAt: '2025-05-02T06:00:00.000Z' });
      expect(result.totals.statementsOre).toBe(result.totals.previouslyPaidOre + result.totals.paymentsOre);
      for (const s of await statementsOf(result.runId)) {
        const live = await svc.app.inject({ method: 'GET', url: `/providers/${s.provider_id}/statements/2025-04`, headers: finance });
        expect(live.json().totalOre, s.provider_id).toBe(s.total_ore);
        expect(live.json().outstandingOre, s.provider_id).toBe(0);
      }
      // No provider account has changed since March, but April's run made its own batch of April's payments.
      expect(result.batch).toMatchObject({ transfers: 3 });
      const batch = await svc.db.selectFrom('payment_batches').selectAll().where('batch_id', '=', result.batch!.batchId).executeTakeFirstOrThrow();
      expect(batch).toMatchObject({ month: '2025-04', execution_date: '2025-05-05', status: 'created' });
    });

    it('resumes a run that stopped part-way once it is stale, and refuses to start a second one while it runs', async () => {
      await monthOfDeliveries('2025-06', '+02:00');
      const now = new Date('2025-07-03T08:00:00Z');
      const runId = '00000000-0000-4000-8000-0000000000aa';
      await svc.db
        .insertInto('billing_runs')
        .values({ run_id: runId, month: '2025-06', period_month: '2025-06', status: 'running', started_by: 'finance-user', started_at: now, heartbeat_at: now, finished_at: null, batch_id: null, result: null })
        .execute();
      await expect(runBillingMonth({ db: svc.db, month: '2025-06', clock: () => new Date(now.getTime() + 1000) })).rejects.toMatchObject({ code: 'BILLING.RUN_IN_PROGRESS' });
      // A run from before its progress was kept shows as running, with no share done.
      const metrics = createMetrics('billing', { processMetrics: false });
      registerBillingRunMetrics(metrics, svc.db);
      const during = await metrics.registry.metrics();
      expect(during).toContain('kundval_billing_run_running{month="2025-06",service="billing"} 1');
      expect(during).not.toContain('kundval_billing_run_orders_to_price{month="2025-06"');
      const { created, result } = await runBillingMonth({ db: svc.db, month: '2025-06', clock: () => new Date(now.getTime() + 10 * 60_000) });
      expect(created).toBe(true);
      expect(result.runId).toBe(runId);
      expect(result.totals.statementsOre).toBe(result.totals.previouslyPaidOre + result.totals.paymentsOre);
      const actions = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', runId).orderBy('id').execute();
      expect(actions.map((a) => a.action)).toContain('billing-run.resumed');
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from billing_runs where month = '2025-06'`.execute(svc.db);
      expect(rows[0]!.n).toBe(1);
      // The resumed run counted its whole when it took over, and priced all of it: June's eight orders
      // and the nursing-home placements of March and April, still in force.
      const after = await metrics.registry.metrics();
      expect(after).toContain('kundval_billing_run_orders_to_price{month="2025-06",service="billing"} 10');
      expect(after).toContain('kundval_billing_run_orders_priced{month="2025-06",service="billing"} 10');
      expect(after).toContain('kundval_billing_run_running{month="2025-06",service="billing"} 0');
    });

    /** Every invoice of the run, in the order of the setup's customers (the ids differ from month to month, the deliveries do not). */
    async function feesBySetup(runId: string, setup: Setup) {
      const invoices = await svc.db.selectFrom('fee_invoices').selectAll().where('run_id', '=', runId).execute();
      const customers = [...new Set([...setup.orders.map((o) => o.customerId), setup.refused.customerId])];
      return customers.flatMap((c) =>
        invoices.filter((i) => i.customer_id === c).map((i) => ({ approvedMinutes: i.approved_minutes, attendanceDays: i.attendance_days, feeOre: i.fee_ore, totalFeeOre: i.total_fee_ore, previouslyChargedOre: i.previously_charged_ore, perArea: i.per_area })),
      );
    }

    it('charges, resumed after dying between providers, exactly the fees of a run that never stopped, from one read of the visits', async () => {
      // September and December 2025 both begin on a Monday: the same deliveries, one month run straight through, the other killed part-way.
      const straight = await monthOfDeliveries('2025-09', '+02:00');
      const resumed = await monthOfDeliveries('2025-12', '+01:00');
      const { result: whole } = await runBillingMonth({ db: svc.db, month: '2025-09', clock: () => new Date('2025-10-02T06:00:00Z'), executionDate: '2025-10-05' });

      // Every statement the runs send, compiled; the third provider's statement insert fails, rolling back its transaction as a killed process's would be.
      const statements: string[] = [];
      let settled = 0;
      const recorder = (dieAtProvider: number | null) =>
        svc.db.withPlugin({
          transformQuery(args) {
            const compiled = svc.db.getExecutor().compileQuery(args.node, args.queryId).sql;
            statements.push(compiled);
            if (dieAtProvider !== null && compiled.startsWith('insert into "provider_statements"') && ++settled === dieAtProvider) throw new Error('killed between providers');
            return args.node;
          },
          async transformResult(args) {
            return args.result;
          },
        });
      const t0 = new Date('2026-01-02T06:00:00Z');
      await expect(runBillingMonth({ db: recorder(3), month: '2025-12', clock: () => t0, providerPageSize: 2, executionDate: '2026-01-05' })).rejects.toThrow('killed between providers');
      const run = await svc.db.selectFrom('billing_runs').select(['run_id', 'status']).where('month', '=', '2025-12').executeTakeFirstOrThrow();
      expect(run.status).toBe('running');
      const settledBefore = await svc.db.selectFrom('provider_statements').select('provider_id').where('run_id', '=', run.run_id).orderBy('provider_id').execute();
      expect(settledBefore.map((r) => r.provider_id)).toEqual(['run-alfa', 'run-beta']);
      expect(await svc.db.selectFrom('fee_invoices').select('invoice_id').where('month', '=', '2025-12').where('basis', '=', 'billing-run').execute()).toEqual([]);

      statements.length = 0;
      const { created, result } = await runBillingMonth({ db: recorder(null), month: '2025-12', clock: () => new Date(t0.getTime() + 10 * 60_000), executionDate: '2026-01-05' });
      expect(created).toBe(true);
      expect(result.runId).toBe(run.run_id);
      // Exactly the same fees, customer by customer and in total, in öre.
      expect(result.totals.feesOre).toBe(whole.totals.feesOre);
      expect(result.counts.invoices).toBe(whole.counts.invoices);
      expect(await feesBySetup(result.runId, resumed)).toEqual(await feesBySetup(whole.runId, straight));
      expect(whole.totals.feesOre).toBeGreaterThan(0);
      // The resumed run read the visits only in its provider pass (three providers with visits left, one page each); the fee phase, from its first customer lock on, not at all.
      const readsVisits = (q: string) => /\b(from|join)\s+"?visits"?(\s|$)/i.test(q);
      const feePhase = statements.findIndex((q) => q.includes("'customer-month|'"));
      expect(feePhase).toBeGreaterThan(0);
      expect(statements.slice(feePhase).filter(readsVisits)).toEqual([]);
      expect(statements.slice(0, feePhase).filter(readsVisits).length).toBeGreaterThan(0);
      // And the tally it charged from is what the visits, attendance days and sessions themselves say, customer by customer.
      const customers = [...new Set([...resumed.orders.map((o) => o.customerId), resumed.refused.customerId])];
      expect(deliveriesFromTotals(await runDeliveryTotals(svc.db, result.runId, customers))).toEqual(await loadDeliveries(svc.db, customers, '2025-12'));
    });

    it("counts the orders to price from approved months and placements exactly as the month's deliveries themselves give them", async () => {
      // November: deliveries of every kind, a month closed as nothing delivered, and one reported but not approved.
      await monthOfDeliveries('2025-11', '+01:00');
      const closed = await placeOrder(svc.db, { providerId: 'run-zeta' });
      const close = await post(`/orders/${closed.orderId}/months/2025-11/nothing-delivered`, await svc.as({ role: 'case-handler' }), { reason: 'In hospital the whole month.' });
      expect(close.statusCode, close.body).toBe(201);
      const waiting = await placeOrder(svc.db, { providerId: 'run-alfa' });
      expect((await post(`/orders/${waiting.orderId}/visits`, await providerOf(waiting), { visits: [visit('2025-11-03', '08:00', '08:30', 'care', '+01:00')] })).statusCode).toBe(201);
      // The count as it was made before: every order with a delivery of the month in a statement's status, and every placement in force.
      const fromDeliveries = async (month: string) => {
        const first = `${month}-01`;
        const last = sql`(date_trunc('month', ${first}::date) + interval '1 month - 1 day')::date`;
        const { rows } = await sql<{ n: number }>`
          with providers as (
            select o.provider_id from month_approvals m join orders o on o.order_id = m.order_id where m.month = ${month}
            union
            select provider_id from orders where area_id = 'nursing-home' and valid_from <= ${last} and least(end_date, valid_to) >= ${first}::date
          ), priced as (
            select order_id, provider_id from visits where local_month = ${month} and status in ('approved', 'disputed', 'rejected')
            union
            select order_id, provider_id from attendance_days where local_month = ${month} and status in ('approved', 'disputed', 'rejected')
            union
            select order_id, provider_id from sessions where local_month = ${month} and status in ('approved', 'disputed', 'rejected')
            union
            select order_id, provider_id from orders where area_id = 'nursing-home' and valid_from <= ${last} and coalesce(least(end_date, valid_to), valid_to) >= ${first}::date
          )
          select count(distinct order_id)::int as n from priced where provider_id in (select provider_id from providers)`.execute(svc.db);
        return rows[0]!.n;
      };
      const months = ['2025-02', '2025-03', '2025-04', '2025-06', '2025-09', '2025-11', '2025-12'];
      const counted = await Promise.all(months.map(async (m) => [m, await ordersToPrice(svc.db, m)]));
      const oracle = [];
      for (const m of months) oracle.push([m, await fromDeliveries(m)]);
      expect(counted).toEqual(oracle);
      // November: three and two home-care orders, a day activity, the order without rates, and the five placements in force (March's to November's).
      expect(Object.fromEntries(counted)['2025-11']).toBe(13);
    });

    it("pays, with the next provider read ahead, killed mid-way and resumed, every provider exactly its statement's öre, as one provider at a time does", async () => {
      const oneAtATime = await monthOfDeliveries('2025-07', '+02:00');
      const ahead = await monthOfDeliveries('2025-10', '+02:00');
      const issued: Array<{ sql: string; parameters: readonly unknown[] }> = [];
      let settled = 0;
      const recorder = (dieAtProvider: number | null) =>
        svc.db.withPlugin({
          transformQuery(args) {
            const compiled = svc.db.getExecutor().compileQuery(args.node, args.queryId);
            issued.push({ sql: compiled.sql, parameters: compiled.parameters });
            if (dieAtProvider !== null && compiled.sql.startsWith('insert into "provider_statements"') && ++settled === dieAtProvider) throw new Error('killed between providers');
            return args.node;
          },
          async transformResult(args) {
            return args.result;
          },
        });
      /** Where, among the statements issued, run-beta's visits were first read and run-alfa's statement written. */
      const betaReadAndAlfaWritten = () => ({
        betaVisits: issued.findIndex((q) => /^select .* from "visits"/.test(q.sql) && q.parameters.includes('run-beta')),
        alfaStatement: issued.findIndex((q) => q.sql.startsWith('insert into "provider_statements"') && q.parameters.includes('run-alfa')),
      });
      /** Each provider's statement against the same month priced live, provider by provider, and what is left to pay it. */
      const againstLive = async (runId: string, month: string) => {
        const out: Record<string, { statementOre: number; liveOre: number; outstandingOre: number }> = {};
        for (const s of await statementsOf(runId)) {
          const live = (await svc.app.inject({ method: 'GET', url: `/providers/${s.provider_id}/statements/${month}`, headers: finance })).json();
          out[s.provider_id] = { statementOre: s.total_ore, liveOre: live.totalOre, outstandingOre: live.outstandingOre };
        }
        return out;
      };

      const { result: sequentialRun } = await runBillingMonth({ db: recorder(null), month: '2025-07', clock: () => new Date('2025-08-04T06:00:00Z'), providersAhead: 0, executionDate: '2025-08-05' });
      const sequential = betaReadAndAlfaWritten();
      expect(sequential.alfaStatement).toBeGreaterThan(0);
      expect(sequential.betaVisits).toBeGreaterThan(sequential.alfaStatement);

      issued.length = 0;
      const t0 = new Date('2025-11-03T06:00:00Z');
      await expect(runBillingMonth({ db: recorder(3), month: '2025-10', clock: () => t0, providerPageSize: 2, executionDate: '2025-11-05' })).rejects.toThrow('killed between providers');
      // On PostgreSQL the next provider's visits were read before the one before it was written: the reads
      // overlapped. PGlite has one connection, which the provider being written holds: the next one waits.
      const overlapped = betaReadAndAlfaWritten();
      expect(overlapped.betaVisits).toBeGreaterThan(0);
      if (engine === 'postgres') expect(overlapped.betaVisits).toBeLessThan(overlapped.alfaStatement);
      else expect(overlapped.betaVisits).toBeGreaterThan(overlapped.alfaStatement);
      // The provider read ahead of the one that died wrote nothing: two statements, and payments of those two only.
      const run = await svc.db.selectFrom('billing_runs').select(['run_id', 'status']).where('month', '=', '2025-10').executeTakeFirstOrThrow();
      expect(run.status).toBe('running');
      expect((await statementsOf(run.run_id)).map((s) => s.provider_id)).toEqual(['run-alfa', 'run-beta']);
      const paidSoFar = await svc.db.selectFrom('provider_payments').select('provider_id').distinct().where('run_id', '=', run.run_id).orderBy('provider_id').execute();
      expect(paidSoFar.map((p) => p.provider_id)).toEqual(['run-alfa', 'run-beta']);

      const { result: resumedRun } = await runBillingMonth({ db: svc.db, month: '2025-10', clock: () => new Date(t0.getTime() + 10 * 60_000), executionDate: '2025-11-05' });
      expect(resumedRun.runId).toBe(run.run_id);

      // Every provider's statement is what the month is worth priced on its own, and the payments (the run's and the journey's) pay it to the öre.
      for (const [runId, month] of [
        [sequentialRun.runId, '2025-07'],
        [resumedRun.runId, '2025-10'],
      ] as const) {
        const providers = await againstLive(runId, month);
        expect(Object.keys(providers)).toEqual(['run-alfa', 'run-beta', 'run-delta', 'run-epsilon', 'run-gamma']);
        for (const [providerId, p] of Object.entries(providers)) {
          expect(p.statementOre, `${month} ${providerId}`).toBe(p.liveOre);
          expect(p.outstandingOre, `${month} ${providerId}`).toBe(0);
        }
        expect(providers['run-alfa']!.statementOre).toBeGreaterThan(0);
      }
      // July and October 2025 have 31 days and the same weekday minutes in the setup's eight weekdays (none a
      // Friday evening or a holiday): the setup's orders of each provider are paid the same öre by either run.
      // (Per order a provider's rounding öre may land on another order: the orders' ids, and so their order, differ.)
      const paidBySetup = async (runId: string, setup: Setup) => {
        const rows = await svc.db.selectFrom('provider_payments').select(['order_id', 'amount_ore']).where('run_id', '=', runId).execute();
        const out: Record<string, number> = {};
        for (const o of setup.orders.concat(setup.refused)) out[o.providerId] = (out[o.providerId] ?? 0) + rows.filter((r) => r.order_id === o.orderId).reduce((s, r) => s + r.amount_ore, 0);
        return out;
      };
      const paidSequentially = await paidBySetup(sequentialRun.runId, oneAtATime);
      expect(await paidBySetup(resumedRun.runId, ahead)).toEqual(paidSequentially);
      expect(Object.keys(paidSequentially).sort()).toEqual(['run-alfa', 'run-beta', 'run-delta', 'run-epsilon', 'run-gamma']);
      expect(paidSequentially['run-alfa']).toBeGreaterThan(0);
    });
  });
});
