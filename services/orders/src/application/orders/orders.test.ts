import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { recordChoice } from '../../store/choices.js';
import { grantedDecision } from '../../store/decisions.js';
import { seedDecision, seedProvider } from '../../test-support/orders-service.js';
import { inUseCase, openOrdersStore, queryAs } from '../../test-support/use-cases.js';
import { copyDecisionChanged } from '../decisions/copy-decision.js';
import { acceptOrder } from './accept-order.js';
import { amendOrdersInForce } from './amend-orders-in-force.js';
import { endOrder } from './end-order.js';
import { listOrders } from './list-orders.js';
import { placeOrder } from './place-order.js';
import { readOrder } from './read-order.js';
import { refuseOrder } from './refuse-order.js';
import { remindProvider } from './remind-provider.js';

const FIRST_ID = '00000000-0000-4000-8000-000000000001';
const system: Principal = { sub: 'journey-worker', role: 'system' };
const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };
const omsorg: Principal = { sub: 'omsorg-user', role: 'provider', providerId: 'omsorg-privat' };
const otherProvider: Principal = { sub: 'annan-user', role: 'provider', providerId: 'annan-omsorg' };

// The use cases of orders, run straight against the database: no app, no HTTP, no token.
describe.each(testEngines())('order use cases on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openOrdersStore>>;

  beforeAll(async () => {
    store = await openOrdersStore(engine, 'orders_use_cases');
    await seedProvider(store.db, { providerId: 'omsorg-privat', kind: 'private', capacity: 10, serviceArea: ['Sickla'] });
    await seedProvider(store.db, { providerId: 'annan-omsorg', kind: 'private' });
  });
  afterAll(() => store?.close());

  /** A granted home-care decision with the customer's choice of omsorg-privat recorded. */
  async function chosenDecision(district: string | null = null) {
    const seeded = await seedDecision(store.db, { district });
    const decision = await grantedDecision(store.db, seeded.decisionId);
    await inUseCase(store.db, caseHandler, (ctx) => recordChoice(ctx, decision, { provider_id: 'omsorg-privat', kind: 'private' }, 'customer'));
    return seeded;
  }
  async function placed(district: string | null = null) {
    const seeded = await chosenDecision(district);
    const outcome = await inUseCase(store.db, system, (ctx) => placeOrder(ctx, { decisionId: seeded.decisionId }), () => crypto.randomUUID());
    return { ...seeded, orderId: outcome.result.orderId };
  }
  const outboxRows = async () => (await tableCounts(store.db))['outbox'];

  describe('placeOrder', () => {
    it('places the order with the chosen provider until the decision ends and returns orderPlaced for the runner to enqueue, writing no event itself', async () => {
      const d = await chosenDecision();
      const outboxBefore = await outboxRows();
      const outcome = await inUseCase(store.db, system, (ctx) => placeOrder(ctx, { decisionId: d.decisionId }));
      expect(outcome.created).toBe(true);
      expect(outcome.result).toMatchObject({
        orderId: FIRST_ID,
        decisionId: d.decisionId,
        customerId: d.customerId,
        providerId: 'omsorg-privat',
        status: 'placed',
        validFrom: '2026-02-01',
        validTo: '2026-07-31',
        careHoursPerMonth: 10.5,
        serviceHoursPerMonth: 4,
        endDate: null,
      });
      expect(outcome.events).toEqual([
        {
          name: 'orderPlaced',
          payload: {
            orderId: FIRST_ID,
            applicationId: d.applicationId,
            decisionId: d.decisionId,
            customerId: d.customerId,
            providerId: 'omsorg-privat',
            providerKind: 'private',
            areaId: 'home-care',
            municipality: 'nacka',
            careHoursPerMonth: 10.5,
            serviceHoursPerMonth: 4,
            validFrom: '2026-02-01',
            validTo: '2026-07-31',
            level: null,
            decidingMunicipality: null,
          },
        },
      ]);
      expect(await outboxRows()).toBe(outboxBefore);
      const audit = await store.db.selectFrom('audit_log').select(['action', 'actor_role', 'actor']).where('entity_id', '=', FIRST_ID).execute();
      expect(audit).toEqual([{ action: 'order.placed', actor_role: 'system', actor: 'journey-worker' }]);
    });

    it('returns the order already placed, not created and with no event, when asked again for the same decision and day', async () => {
      const d = await placed();
      const again = await inUseCase(store.db, system, (ctx) => placeOrder(ctx, { decisionId: d.decisionId }));
      expect(again).toEqual({ result: expect.objectContaining({ orderId: d.orderId }), created: false, events: [] });
    });

    it('refuses a decision with no choice yet with ORDERS.NO_CHOICE and a start outside the decision with ORDERS.OUTSIDE_DECISION', async () => {
      const bare = await seedDecision(store.db);
      await expect(inUseCase(store.db, system, (ctx) => placeOrder(ctx, { decisionId: bare.decisionId }))).rejects.toMatchObject({ kind: 'conflict', code: 'ORDERS.NO_CHOICE' });
      const d = await chosenDecision();
      await expect(inUseCase(store.db, system, (ctx) => placeOrder(ctx, { decisionId: d.decisionId, effectiveFrom: '2026-08-01' }))).rejects.toMatchObject({
        kind: 'conflict',
        code: 'ORDERS.OUTSIDE_DECISION',
      });
    });
  });

  describe('acceptOrder', () => {
    it("does not find another provider's order (404, as an unknown id) and accepts its own, with the care plan due 14 days from today and orderAccepted", async () => {
      const d = await placed();
      await expect(inUseCase(store.db, otherProvider, (ctx) => acceptOrder(ctx, { orderId: d.orderId }))).rejects.toMatchObject({ kind: 'not-found', code: 'ORDERS.ORDER_NOT_FOUND' });
      const outcome = await inUseCase(store.db, omsorg, (ctx) => acceptOrder(ctx, { orderId: d.orderId }));
      expect(outcome.result).toMatchObject({ status: 'accepted', carePlanDueBy: '2026-02-03', carePlanOverdue: false });
      expect(outcome.events).toEqual([
        { name: 'orderAccepted', payload: { orderId: d.orderId, applicationId: d.applicationId, customerId: d.customerId, providerId: 'omsorg-privat' } },
      ]);
      await expect(inUseCase(store.db, omsorg, (ctx) => acceptOrder(ctx, { orderId: d.orderId }))).rejects.toMatchObject({ code: 'ORDERS.ALREADY_ACCEPTED' });
    });
  });

  describe('refuseOrder', () => {
    it('refuses a refusal within capacity (ORDERS.MUST_ACCEPT) and one for a customer inside the service area, leaving the order placed', async () => {
      const d = await placed('Sickla');
      for (const reason of ['over-capacity', 'outside-service-area'] as const) {
        await expect(inUseCase(store.db, omsorg, (ctx) => refuseOrder(ctx, { orderId: d.orderId, reason, explanation: 'Nej' }))).rejects.toMatchObject({
          code: 'ORDERS.MUST_ACCEPT',
        });
      }
      expect((await readOrder(queryAs(store.db, omsorg), { orderId: d.orderId })).status).toBe('placed');
    });

    it('refuses the order of a customer outside the service area, voids the choice and returns orderRefused', async () => {
      const d = await placed('Fisksätra');
      const outcome = await inUseCase(store.db, omsorg, (ctx) => refuseOrder(ctx, { orderId: d.orderId, reason: 'outside-service-area', explanation: 'Utanför' }));
      expect(outcome.result).toMatchObject({ status: 'refused', refusal: { reason: 'outside-service-area', explanation: 'Utanför' } });
      expect(outcome.events.map((e) => e.name)).toEqual(['orderRefused']);
      const choices = await store.db.selectFrom('choices').select('status').where('decision_id', '=', d.decisionId).execute();
      expect(choices).toEqual([{ status: 'voided' }]);
    });
  });

  describe('amendOrdersInForce', () => {
    const consumer: Principal = { sub: 'orders-decisions', role: 'system' };
    const cause = (changeId: string) => ({ event: 'decisionChanged' as const, eventId: 'event-1', decisionChangeId: changeId });

    it("amends the decision's order from the change's first day, returning orderChanged for the runner to enqueue, and records nothing for the same change again", async () => {
      const d = await placed();
      const change = { changeId: crypto.randomUUID(), applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null };
      const outboxBefore = await outboxRows();
      const outcome = await inUseCase(store.db, consumer, async (ctx) => {
        await copyDecisionChanged(ctx, change);
        return amendOrdersInForce(ctx, change, cause(change.changeId));
      });
      expect(outcome).toEqual({
        result: [d.orderId],
        created: true,
        events: [
          {
            name: 'orderChanged',
            payload: { orderId: d.orderId, applicationId: d.applicationId, customerId: d.customerId, providerId: 'omsorg-privat', effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null },
          },
        ],
      });
      expect(await outboxRows()).toBe(outboxBefore);
      expect(await store.db.selectFrom('order_changes').select(['change_id', 'effective_from', 'valid_to', 'care_hours_per_month', 'service_hours_per_month', 'level', 'superseded_by']).where('order_id', '=', d.orderId).execute()).toEqual([
        { change_id: FIRST_ID, effective_from: '2026-05-01', valid_to: '2026-12-31', care_hours_per_month: '12.00', service_hours_per_month: '2.50', level: null, superseded_by: null },
      ]);
      expect(await store.db.selectFrom('orders').select(['valid_to', 'care_hours_per_month', 'service_hours_per_month', 'end_date']).where('order_id', '=', d.orderId).executeTakeFirstOrThrow()).toEqual({
        valid_to: '2026-12-31',
        care_hours_per_month: '12.00',
        service_hours_per_month: '2.50',
        end_date: null,
      });
      const audit = await store.db.selectFrom('audit_log').select(['actor', 'actor_role', 'after']).where('entity_id', '=', d.orderId).where('action', '=', 'order.changed').execute();
      expect(audit).toEqual([{ actor: 'orders-decisions', actor_role: 'system', after: expect.objectContaining({ changeId: FIRST_ID, cause: cause(change.changeId) }) }]);

      const before = await tableCounts(store.db);
      const again = await inUseCase(store.db, consumer, (ctx) => amendOrdersInForce(ctx, change, cause(change.changeId)));
      expect(again).toEqual({ result: [], created: false, events: [] });
      expect(await tableCounts(store.db)).toEqual(before);
    });

    it('reaches no order of another decision, and none of a decision without one', async () => {
      const d = await placed();
      const other = await chosenDecision();
      const change = { changeId: crypto.randomUUID(), applicationId: other.applicationId, decisionId: other.decisionId, customerId: other.customerId, effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null };
      const outcome = await inUseCase(store.db, consumer, async (ctx) => {
        await copyDecisionChanged(ctx, change);
        return amendOrdersInForce(ctx, change, cause(change.changeId));
      });
      expect(outcome).toEqual({ result: [], created: false, events: [] });
      expect(await store.db.selectFrom('order_changes').select('change_id').where('order_id', '=', d.orderId).execute()).toEqual([]);
    });
  });

  describe('endOrder', () => {
    it('refuses a citizen ending for another reason than leaving (403), and ends the order for the case handler with orderEnded', async () => {
      const d = await placed();
      const citizen: Principal = { sub: 'medborgare', role: 'citizen', customerId: d.customerId };
      await expect(inUseCase(store.db, citizen, (ctx) => endOrder(ctx, { orderId: d.orderId, endDate: '2026-03-31', reason: 'switched' }))).rejects.toMatchObject({
        kind: 'forbidden',
      });
      const outcome = await inUseCase(store.db, caseHandler, (ctx) => endOrder(ctx, { orderId: d.orderId, endDate: '2026-03-31', reason: 'decision-ended' }));
      expect(outcome.result).toMatchObject({ endDate: '2026-03-31', endReason: 'decision-ended' });
      expect(outcome.events).toEqual([
        {
          name: 'orderEnded',
          payload: { orderId: d.orderId, applicationId: d.applicationId, customerId: d.customerId, providerId: 'omsorg-privat', endDate: '2026-03-31', reason: 'decision-ended' },
        },
      ]);
      const later = await inUseCase(store.db, caseHandler, (ctx) => endOrder(ctx, { orderId: d.orderId, endDate: '2026-04-30', reason: 'decision-ended' }));
      expect(later).toEqual({ result: expect.objectContaining({ endDate: '2026-03-31' }), created: false, events: [] });
    });
  });

  describe('remindProvider', () => {
    it('records a reminder once per order, subject and key', async () => {
      const d = await placed();
      const first = await inUseCase(store.db, system, (ctx) => remindProvider(ctx, { orderId: d.orderId, about: 'acceptance', key: '2026-01-22' }));
      const again = await inUseCase(store.db, system, (ctx) => remindProvider(ctx, { orderId: d.orderId, about: 'acceptance', key: '2026-01-22' }));
      expect(first).toMatchObject({ created: true, events: [], result: { reminderId: FIRST_ID, orderId: d.orderId, about: 'acceptance', key: '2026-01-22' } });
      expect(again).toEqual({ ...first, created: false });
    });
  });

  describe('the queries', () => {
    it("narrow everyone with a municipality claim to that municipality's orders: another's is not found", async () => {
      const d = await placed();
      const ours = { sub: 'handler', role: 'case-handler' as const, municipality: 'nacka' };
      const theirs = { sub: 'handler', role: 'case-handler' as const, municipality: 'varmdo' };
      expect((await listOrders(queryAs(store.db, ours), { decisionId: d.decisionId })).map((o) => o.orderId)).toEqual([d.orderId]);
      expect(await listOrders(queryAs(store.db, theirs), { decisionId: d.decisionId })).toEqual([]);
      expect(await readOrder(queryAs(store.db, ours), { orderId: d.orderId })).toMatchObject({ orderId: d.orderId });
      await expect(readOrder(queryAs(store.db, theirs), { orderId: d.orderId })).rejects.toMatchObject({ kind: 'not-found', code: 'ORDERS.ORDER_NOT_FOUND' });
      await expect(inUseCase(store.db, { sub: 'p', role: 'provider', providerId: 'omsorg-privat', municipality: 'varmdo' }, (ctx) => acceptOrder(ctx, { orderId: d.orderId }))).rejects.toMatchObject({ kind: 'not-found' });
    });

    it("narrow a provider to its own orders, refuse a provider token that names none, and keep a citizen from another customer's order", async () => {
      const d = await placed();
      const theirs = await listOrders(queryAs(store.db, otherProvider), { decisionId: d.decisionId });
      const ours = await listOrders(queryAs(store.db, omsorg), { decisionId: d.decisionId, providerId: 'annan-omsorg' });
      expect(theirs).toEqual([]);
      expect(ours.map((o) => o.orderId)).toEqual([d.orderId]);
      await expect(listOrders(queryAs(store.db, { sub: 'p', role: 'provider' }), {})).rejects.toMatchObject({ kind: 'forbidden' });
      await expect(readOrder(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: 'someone-else' }), { orderId: d.orderId })).rejects.toMatchObject({ kind: 'not-found', code: 'ORDERS.ORDER_NOT_FOUND' });
      expect(await readOrder(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: d.customerId }), { orderId: d.orderId })).toMatchObject({
        orderId: d.orderId,
        reminders: [],
        changes: [],
      });
    });
  });
});
