import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { seedOrder, type SeededOrder } from '../../test-support/billing-routes.js';
import { inUseCase, openBillingStore, queryAs } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { sql, type KyselyPlugin } from 'kysely';
import { reportVisits } from './report-visits.js';
import { orderInScopeLocked } from '../scope.js';
import { listVisits } from './list-visits.js';
import { approveMonth } from './approve-month.js';
import { resolveDisputes } from './resolve-disputes.js';
import { closeMonthNothingDelivered } from './close-month-nothing-delivered.js';

/** The visit use cases without HTTP: their results, the events they return and what they write. */
describe.each(testEngines())('visit use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_visit_use_cases');
  });
  afterAll(() => store?.close());

  const provider = (o: SeededOrder): Principal => ({ sub: 'provider-user', role: 'provider', providerId: o.providerId });
  const customer = (o: SeededOrder): Principal => ({ sub: `citizen-${o.customerId}`, role: 'citizen', customerId: o.customerId });
  const caseHandler: Principal = { sub: 'handler', role: 'case-handler' };
  const visit = (externalId: string, day: string) => ({ externalId, kind: 'care' as const, start: `2025-03-${day}T08:00:00+01:00`, end: `2025-03-${day}T09:30:00+01:00` });
  const outboxSize = async () => Number((await store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('reports visits and returns them, with no event of their own', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const outcome = await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('a', '04'), visit('b', '05')] }));
    expect(outcome.created).toBe(true);
    expect(outcome.events).toEqual([]);
    expect(outcome.result.visits.map((v) => [v.externalId, v.month, v.status, v.start])).toEqual([
      ['a', '2025-03', 'reported', '2025-03-04T07:00:00.000Z'],
      ['b', '2025-03', 'reported', '2025-03-05T07:00:00.000Z'],
    ]);
    expect((await listVisits(queryAs(store.db, customer(order)), { orderId: order.orderId, month: '2025-03' })).map((v) => v.externalId)).toEqual(['a', 'b']);
  });

  it('reports one visit in two statements: the order read in scope with its lock, and the insert that writes the audit row with it', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    // Each statement's kind, recorded as its result comes back (one per round trip; subqueries are transformed too, so not counted
    // there). The visit's insert is compiled once, without the plugins (`compiledOnce`), so it has no kind here.
    const kinds = new Map<unknown, string>();
    const sent: string[] = [];
    const plugin: KyselyPlugin = {
      transformQuery: (args) => (kinds.set(args.queryId, args.node.kind), args.node),
      transformResult: async (args) => (sent.push(kinds.get(args.queryId) ?? 'compiled once'), args.result),
    };
    await inUseCase(store.db.withPlugin(plugin) as BillingDb, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('s1', '10')] }));
    // The insert is a CTE (`WITH inserted AS (INSERT …), audited AS (INSERT INTO audit_log …) SELECT … FROM inserted`).
    expect(sent).toEqual(['SelectQueryNode', 'compiled once']);
  });

  const auditsOf = (o: SeededOrder) =>
    store.db
      .selectFrom('audit_log')
      .select(['actor', 'actor_role', 'agent', 'action', 'entity', 'entity_id', 'before', 'after', 'correlation_id'])
      .where('entity', '=', 'order')
      .where('entity_id', '=', o.orderId)
      .orderBy('id')
      .execute();

  it('audits a report exactly once with the whole report, whether its last visit is new or re-sent, and not a refused one', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const first = [visit('r1', '11'), visit('r2', '12')];
    await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: first }));
    // The last visit re-sent: its insert writes nothing, so the audit row is written on its own.
    const second = [visit('r3', '13'), visit('r2', '12')];
    await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: second }));
    // Refused at its last visit (it overlaps r3): nothing of the report stays, its audit neither.
    const refused = await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('r4', '14'), { ...visit('r5', '13'), externalId: 'r5' }] })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BILLING.VISIT_OVERLAPS' });
    const row = (after: unknown) => ({ actor: 'provider-user', actor_role: 'provider', agent: null, action: 'visits.reported', entity: 'order', entity_id: order.orderId, before: null, after, correlation_id: 'use-case-test' });
    expect(await auditsOf(order)).toEqual([row(first), row(second)]);
    expect((await store.db.selectFrom('visits').select('external_id').where('order_id', '=', order.orderId).orderBy('external_id').execute()).map((v) => v.external_id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('names the agent in the audit row the insert writes when the report is made on a provider user\'s behalf', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const agent: Principal = { sub: 'integration', role: 'system', onBehalfOf: { sub: 'provider-user', role: 'provider', providerId: order.providerId } };
    await inUseCase(store.db, agent, (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('b1', '15')] }));
    expect(await auditsOf(order)).toEqual([
      { actor: 'provider-user', actor_role: 'provider', agent: 'integration', action: 'visits.reported', entity: 'order', entity_id: order.orderId, before: null, after: [visit('b1', '15')], correlation_id: 'use-case-test' },
    ]);
  });

  it.runIf(engine === 'postgres')("holds the order's deliveries lock from the read of the order until the report commits", async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const tryLock = async () => (await sql<{ got: boolean }>`select pg_try_advisory_xact_lock(hashtext(${`order-deliveries|${order.orderId}`})) as got`.execute(store.db)).rows[0]!.got;
    await store.db.transaction().execute(async (trx) => {
      await orderInScopeLocked(trx, provider(order), order.orderId);
      expect(await tryLock(), 'another transaction cannot take it (as approveMonth would wait for it)').toBe(false);
    });
    expect(await tryLock()).toBe(true);
    const other = { ...provider(order), providerId: 'someone-else' };
    await store.db.transaction().execute(async (trx) => {
      await expect(orderInScopeLocked(trx, other, order.orderId)).rejects.toMatchObject({ code: 'BILLING.ORDER_NOT_FOUND' });
      expect(await tryLock(), 'an order out of scope is not locked').toBe(true);
    });
  });

  it("approves a month but the disputed visit, returning monthApproved; the case handler's resolution returns disputeResolved", async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const outboxBefore = await outboxSize();
    const reported = await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('c', '04'), visit('d', '05')] }));
    const disputedId = reported.result.visits[1]!.visitId;
    const approved = await inUseCase(store.db, customer(order), (ctx) => approveMonth(ctx, { orderId: order.orderId, month: '2025-03', disputedVisitIds: [disputedId] }));
    expect(approved.result).toEqual({ orderId: order.orderId, month: '2025-03', approvedVisits: 1, disputedVisits: 1 });
    expect(approved.events).toEqual([
      {
        name: 'monthApproved',
        payload: { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: order.providerId, month: '2025-03', approvedVisits: 1, disputedVisits: 1, nothingDelivered: false },
      },
    ]);
    const resolved = await inUseCase(store.db, caseHandler, (ctx) => resolveDisputes(ctx, { orderId: order.orderId, month: '2025-03', approve: [], reject: [disputedId] }));
    expect(resolved.result).toMatchObject({ orderId: order.orderId, month: '2025-03', approvedVisits: 0, rejectedVisits: 1 });
    expect(resolved.events.map((e) => e.name)).toEqual(['disputeResolved']);
    const statuses = await store.db.selectFrom('visits').select(['external_id', 'status']).where('order_id', '=', order.orderId).orderBy('external_id').execute();
    expect(statuses).toEqual([{ external_id: 'c', status: 'approved' }, { external_id: 'd', status: 'rejected' }]);
    // The use case returns its events; the adapter enqueues them, so none is in the outbox yet.
    expect(await outboxSize()).toBe(outboxBefore);
  });

  it('refuses a second approval of the month with BILLING.MONTH_APPROVED, writing nothing', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    await inUseCase(store.db, provider(order), (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('e', '06')] }));
    await inUseCase(store.db, customer(order), (ctx) => approveMonth(ctx, { orderId: order.orderId, month: '2025-03', disputedVisitIds: [] }));
    const again = await inUseCase(store.db, customer(order), (ctx) => approveMonth(ctx, { orderId: order.orderId, month: '2025-03', disputedVisitIds: [] })).catch((e: unknown) => e);
    expect(again).toMatchObject({ kind: 'conflict', code: 'BILLING.MONTH_APPROVED' });
    expect(await store.db.selectFrom('month_approvals').select('month').where('order_id', '=', order.orderId).execute()).toEqual([{ month: '2025-03' }]);
  });

  it('closes an ended month without deliveries as nothing delivered, and refuses one not over by the clock it is given', async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const closed = await inUseCase(store.db, caseHandler, (ctx) => closeMonthNothingDelivered(ctx, { orderId: order.orderId, month: '2025-04', reason: 'In hospital all month' }));
    expect(closed.result).toMatchObject({ orderId: order.orderId, month: '2025-04', approvedVisits: 0, nothingDelivered: true, reason: 'In hospital all month', closedBy: 'handler' });
    expect(closed.events).toEqual([expect.objectContaining({ name: 'monthApproved', payload: expect.objectContaining({ month: '2025-04', approvedVisits: 0, nothingDelivered: true }) })]);
    // On 10 June 2025 in Stockholm, June is not over.
    const early = await inUseCase(store.db, caseHandler, (ctx) => closeMonthNothingDelivered(ctx, { orderId: order.orderId, month: '2025-06', reason: 'x' })).catch((e: unknown) => e);
    expect(early).toMatchObject({ kind: 'conflict', code: 'BILLING.MONTH_NOT_OVER' });
  });

  it("does not find another provider's order (BILLING.ORDER_NOT_FOUND), writing nothing", async () => {
    const order = await seedOrder(store.db, { providerId: 'uc-omsorg' });
    const other: Principal = { sub: 'x', role: 'provider', providerId: 'uc-annan' };
    const refused = await inUseCase(store.db, other, (ctx) => reportVisits(ctx, { orderId: order.orderId, visits: [visit('f', '07')] })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'not-found', code: 'BILLING.ORDER_NOT_FOUND' });
    expect(await store.db.selectFrom('visits').select('visit_id').where('order_id', '=', order.orderId).execute()).toEqual([]);
  });
});
