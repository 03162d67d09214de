import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { ordersRoutes } from '../../app.js';
import { TEST_NOW, seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, citizenPerson, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

type Order = { orderId: string; providerId: string; validFrom: string; endDate: string | null; endReason: string | null; startsOn: string | null; daysPerWeek: number | null };
type Customer = { decisionId: string; applicationId: string; customerId: string; citizen: Headers };

// Day activities let the customer choose and visit several providers at once (its definition says
// `providers: 'several'`); home care and nursing homes keep one at a time.
describe.each(testEngines())('several providers at once, and orders ended by leaving or moving out, on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let now = TEST_NOW;
  let caseHandler: Headers;
  let system: Headers;
  const providerAs = (providerId: string) => svc.as({ role: 'provider', providerId });

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_several_providers', ordersRoutes, () => now);
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    for (const providerId of ['dag-a', 'dag-b', 'dag-c']) await seedProvider(svc.db, { providerId, areaId: 'day-activities' });
    await seedProvider(svc.db, { providerId: 'dag-kommunen', kind: 'municipal', areaId: 'day-activities', isDefault: true });
    await seedProvider(svc.db, { providerId: 'hem-a' });
    await seedProvider(svc.db, { providerId: 'hem-b' });
    await seedProvider(svc.db, { providerId: 'boende-a', areaId: 'nursing-home', capacity: 5 });
  });
  beforeEach(() => {
    now = TEST_NOW;
  });
  afterAll(() => svc?.close());

  /** A day-activities decision (2026-02-01 to 2026-07-31), level 2. */
  async function customer(options: Parameters<typeof seedDecision>[1] = {}): Promise<Customer> {
    const d = await seedDecision(svc.db, { areaId: 'day-activities', level: 2, ...options });
    return { ...d, citizen: await svc.as({ role: 'citizen', customerId: d.customerId }) };
  }
  const choose = async (c: Customer, providerId: string) => r.ok<{ choiceId: string; providerId: string }>(`/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId }, 201);
  const place = (c: Customer, providerId: string, extra: Record<string, unknown> = {}, status = 201) =>
    r.ok<Order>('/orders', system, { decisionId: c.decisionId, providerId, ...extra }, status);
  /** A customer using providers A and B at once, each with an order placed. */
  async function withTwo(options: Parameters<typeof seedDecision>[1] = {}) {
    const c = await customer(options);
    await choose(c, 'dag-a');
    await choose(c, 'dag-b');
    return { ...c, a: await place(c, 'dag-a'), b: await place(c, 'dag-b') };
  }
  const choiceStatuses = (decisionId: string) =>
    svc.db.selectFrom('choices').select(['provider_id', 'status', 'effective_from']).where('decision_id', '=', decisionId).orderBy('seq').execute();

  describe('POST /decisions/:decisionId/choice', () => {
    it('adds another provider while one is chosen, with the same event as a first choice; the same provider again is 409 ORDERS.ALREADY_CHOSEN', async () => {
      const c = await customer();
      await choose(c, 'dag-a');
      const mark = await r.mark();
      const second = await choose(c, 'dag-b');
      expect(second).toEqual({ choiceId: expect.any(String), decisionId: c.decisionId, providerId: 'dag-b', chosenBy: 'customer' });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.provider.chosen.v1',
          payload: { choiceId: second.choiceId, applicationId: c.applicationId, decisionId: c.decisionId, customerId: c.customerId, providerId: 'dag-b', providerKind: 'private', chosenBy: 'customer' },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', c.decisionId).where('action', '=', 'provider.chosen').orderBy('id').execute();
      expect(audit.map((a) => a.after)).toEqual([
        { providerId: 'dag-a', chosenBy: 'customer', effectiveFrom: '2026-02-01' },
        { providerId: 'dag-b', chosenBy: 'customer', effectiveFrom: '2026-02-01' },
      ]);

      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'dag-a' }, 409, 'ORDERS.ALREADY_CHOSEN', 'body.providerId');
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-b' }, 409, 'ORDERS.ALREADY_CHOSEN', 'body.providerId');
      // The journey's default is for a customer without a provider: the ones chosen stand.
      const before = await r.counts();
      expect(await r.ok(`/decisions/${c.decisionId}/default-choice`, system, undefined)).toMatchObject({ providerId: 'dag-a', chosenBy: 'customer' });
      expect(await r.counts()).toEqual(before);
    });

    it('keeps one provider at a time in an area whose definition says so: a second home-care choice is still refused', async () => {
      const d = await seedDecision(svc.db);
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a' }, 201);
      await r.refused('POST', `/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-b' }, 409, 'ORDERS.ALREADY_CHOSEN');
    });

    it('puts a provider added after the decision began in force from today, and orders it from then by default', async () => {
      const c = await customer();
      await choose(c, 'dag-a');
      expect(await place(c, 'dag-a')).toMatchObject({ validFrom: '2026-02-01' });
      now = new Date('2026-03-10T10:00:00+01:00');
      await choose(c, 'dag-b');
      expect((await choiceStatuses(c.decisionId)).map((row) => [row.provider_id, row.effective_from])).toEqual([
        ['dag-a', '2026-02-01'],
        ['dag-b', '2026-03-10'],
      ]);
      expect(await place(c, 'dag-b')).toMatchObject({ providerId: 'dag-b', validFrom: '2026-03-10', validTo: '2026-07-31' });
      // Placing it again, with or without the date, is the same order.
      const before = await r.counts();
      expect((await place(c, 'dag-b', {}, 200)).validFrom).toBe('2026-03-10');
      expect((await place(c, 'dag-b', { effectiveFrom: '2026-03-10' }, 200)).providerId).toBe('dag-b');
      expect(await r.counts()).toEqual(before);
    });
  });

  describe('POST /decisions/:decisionId/choice with a first day for an added provider', () => {
    it('lets the case handler record an added provider from an earlier agreed day, and orders it from then', async () => {
      const c = await customer();
      await choose(c, 'dag-a');
      now = new Date('2026-03-10T10:00:00+01:00');
      await r.ok(`/decisions/${c.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-b', effectiveFrom: '2026-02-15' }, 201);
      expect((await choiceStatuses(c.decisionId)).map((row) => [row.provider_id, row.effective_from])).toEqual([
        ['dag-a', '2026-02-01'],
        ['dag-b', '2026-02-15'],
      ]);
      expect(await place(c, 'dag-b')).toMatchObject({ providerId: 'dag-b', validFrom: '2026-02-15' });
    });

    it("lets the journey record an added provider from an earlier agreed day on the case handler's behalf, and refuses it on the customer's (409 ORDERS.CHOICE_DATE_PAST)", async () => {
      const c = await customer();
      await choose(c, 'dag-a');
      now = new Date('2026-03-10T10:00:00+01:00');
      const forCustomer = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${c.customerId}`, role: 'citizen', customerId: c.customerId } });
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, forCustomer, { providerId: 'dag-b', effectiveFrom: '2026-02-15' }, 409, 'ORDERS.CHOICE_DATE_PAST', 'body.effectiveFrom');
      const forCaseHandler = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'handlaggare-2', role: 'case-handler' } });
      await r.ok(`/decisions/${c.decisionId}/choice`, forCaseHandler, { providerId: 'dag-b', effectiveFrom: '2026-02-15' }, 201);
      expect((await choiceStatuses(c.decisionId)).map((row) => [row.provider_id, row.effective_from])).toEqual([
        ['dag-a', '2026-02-01'],
        ['dag-b', '2026-02-15'],
      ]);
    });

    it('refuses the customer an earlier day (409 ORDERS.CHOICE_DATE_PAST), a day outside the decision (409 ORDERS.OUTSIDE_DECISION), and a first day for a first choice or a one-provider area (400), storing nothing', async () => {
      const c = await customer();
      now = new Date('2026-03-10T10:00:00+01:00');
      const before = await r.counts();
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-a', effectiveFrom: '2026-03-10' }, 400, 'ORDERS.EFFECTIVE_FROM_NOT_APPLICABLE', 'body.effectiveFrom');
      expect(await r.counts()).toEqual(before);
      await choose(c, 'dag-a');
      const chosen = await r.counts();
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'dag-b', effectiveFrom: '2026-03-09' }, 409, 'ORDERS.CHOICE_DATE_PAST', 'body.effectiveFrom');
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-b', effectiveFrom: '2026-01-31' }, 409, 'ORDERS.OUTSIDE_DECISION', 'body.effectiveFrom');
      await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-b', effectiveFrom: '2026-08-01' }, 409, 'ORDERS.OUTSIDE_DECISION', 'body.effectiveFrom');
      expect(await r.counts()).toEqual(chosen);
      // The customer may add one from a later day.
      await r.ok(`/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'dag-b', effectiveFrom: '2026-03-16' }, 201);
      expect((await choiceStatuses(c.decisionId)).at(-1)).toMatchObject({ provider_id: 'dag-b', effective_from: '2026-03-16' });

      const home = await seedDecision(svc.db);
      await r.refused('POST', `/decisions/${home.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a', effectiveFrom: '2026-03-10' }, 400, 'ORDERS.EFFECTIVE_FROM_NOT_APPLICABLE', 'body.effectiveFrom');
    });
  });

  describe('POST /orders', () => {
    it('needs the provider while several are in use (400 ORDERS.PROVIDER_REQUIRED), then places each one its own order, idempotently per provider', async () => {
      const c = await customer({ decidingMunicipality: 'varmdo' });
      await choose(c, 'dag-a');
      await choose(c, 'dag-b');
      await r.refused('POST', '/orders', system, { decisionId: c.decisionId }, 400, 'ORDERS.PROVIDER_REQUIRED', 'body.providerId');

      const mark = await r.mark();
      const a = await place(c, 'dag-a');
      const b = await place(c, 'dag-b');
      expect([a, b]).toMatchObject([
        { providerId: 'dag-a', validFrom: '2026-02-01', validTo: '2026-07-31', level: 2, status: 'placed' },
        { providerId: 'dag-b', validFrom: '2026-02-01', validTo: '2026-07-31', level: 2, status: 'placed' },
      ]);
      expect((await r.eventsSince(mark)).map((e) => [e.subject, e.payload['orderId'], e.payload['providerId'], e.payload['decidingMunicipality']])).toEqual([
        ['kundval.orders.order.placed.v1', a.orderId, 'dag-a', 'varmdo'],
        ['kundval.orders.order.placed.v1', b.orderId, 'dag-b', 'varmdo'],
      ]);
      const stored = await svc.db.selectFrom('orders').select(['provider_id', 'one_of_several']).where('decision_id', '=', c.decisionId).orderBy('provider_id').execute();
      expect(stored).toEqual([
        { provider_id: 'dag-a', one_of_several: true },
        { provider_id: 'dag-b', one_of_several: true },
      ]);

      const before = await r.counts();
      expect((await place(c, 'dag-a', {}, 200)).orderId).toBe(a.orderId);
      expect((await place(c, 'dag-b', { effectiveFrom: '2026-02-01' }, 200)).orderId).toBe(b.orderId);
      expect(await r.counts()).toEqual(before);
    });

    it('keeps the overlap rule per provider, and refuses a provider not chosen (409 ORDERS.NO_CHOICE)', async () => {
      const c = await withTwo();
      await r.refused('POST', '/orders', system, { decisionId: c.decisionId, providerId: 'dag-a', effectiveFrom: '2026-03-01' }, 409, 'ORDERS.ORDER_OVERLAPS');
      await r.refused('POST', '/orders', system, { decisionId: c.decisionId, providerId: 'dag-c' }, 409, 'ORDERS.NO_CHOICE');
      await r.refused('POST', '/orders', system, { decisionId: c.decisionId, providerId: '' }, 400, 'VALIDATION', 'body.providerId');
    });

    it("carries the decision's deciding municipality into orderPlaced where the area has one provider at a time, and checks a provider named there", async () => {
      const d = await seedDecision(svc.db, { decidingMunicipality: 'tyreso' });
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a' }, 201);
      await r.refused('POST', '/orders', system, { decisionId: d.decisionId, providerId: 'hem-b' }, 409, 'ORDERS.NOT_CHOSEN', 'body.providerId');
      const mark = await r.mark();
      const order = await r.ok<Order>('/orders', system, { decisionId: d.decisionId, providerId: 'hem-a' }, 201);
      expect((await r.eventsSince(mark))[0]!.payload).toMatchObject({ orderId: order.orderId, providerId: 'hem-a', decidingMunicipality: 'tyreso' });
      expect((await svc.db.selectFrom('orders').select('one_of_several').where('order_id', '=', order.orderId).executeTakeFirstOrThrow()).one_of_several).toBe(false);
      // Without the provider, as before: the same order.
      expect((await r.ok<Order>('/orders', system, { decisionId: d.decisionId }, 200)).orderId).toBe(order.orderId);
    });
  });

  describe('POST /decisions/:decisionId/switch', () => {
    it('needs the provider switched from while several are in use (400 ORDERS.FROM_PROVIDER_REQUIRED), and switches only that one', async () => {
      const c = await withTwo();
      const payload = { providerId: 'dag-c', effectiveFrom: '2026-03-01' };
      await r.refused('POST', `/decisions/${c.decisionId}/switch`, c.citizen, payload, 400, 'ORDERS.FROM_PROVIDER_REQUIRED', 'body.fromProviderId');

      const mark = await r.mark();
      const switched = await r.ok(`/decisions/${c.decisionId}/switch`, c.citizen, { ...payload, fromProviderId: 'dag-a' }, 201);
      expect(switched).toEqual({ switchId: expect.any(String), decisionId: c.decisionId, fromProviderId: 'dag-a', toProviderId: 'dag-c', effectiveFrom: '2026-03-01' });
      expect((await r.eventsSince(mark)).map((e) => [e.subject, e.payload['fromProviderId'], e.payload['toProviderId']])).toEqual([
        ['kundval.orders.provider.switched.v1', 'dag-a', 'dag-c'],
      ]);

      // The journey ends A's order the day before and orders C from the switch; B's order stands.
      await r.ok(`/orders/${c.a.orderId}/end`, system, { endDate: '2026-02-28', reason: 'switched' });
      await r.refused('POST', '/orders', system, { decisionId: c.decisionId, effectiveFrom: '2026-03-01' }, 400, 'ORDERS.PROVIDER_REQUIRED', 'body.providerId');
      expect(await place(c, 'dag-c', { effectiveFrom: '2026-03-01' })).toMatchObject({ providerId: 'dag-c', validFrom: '2026-03-01' });
      expect((await place(c, 'dag-b', {}, 200)).orderId).toBe(c.b.orderId);
      expect((await r.send('GET', `/orders/${c.b.orderId}`, caseHandler)).json()).toMatchObject({ endDate: null });
      expect(await choiceStatuses(c.decisionId)).toEqual([
        { provider_id: 'dag-a', status: 'active', effective_from: '2026-02-01' },
        { provider_id: 'dag-b', status: 'active', effective_from: '2026-02-01' },
        { provider_id: 'dag-c', status: 'active', effective_from: '2026-03-01' },
      ]);
      // A switch of C again from an earlier day replaces that switch only, not B.
      await r.ok(`/decisions/${c.decisionId}/switch`, caseHandler, { providerId: 'dag-kommunen', effectiveFrom: '2026-02-20', fromProviderId: 'dag-a' }, 201);
      expect((await choiceStatuses(c.decisionId)).map((row) => [row.provider_id, row.status])).toEqual([
        ['dag-a', 'active'],
        ['dag-b', 'active'],
        ['dag-c', 'superseded'],
        ['dag-kommunen', 'active'],
      ]);
    });

    it('refuses a provider switched from that is not in use (409 ORDERS.NOT_CHOSEN) and a switch to one already in use (409 ORDERS.ALREADY_CHOSEN); one provider needs no name', async () => {
      const c = await withTwo();
      await r.refused('POST', `/decisions/${c.decisionId}/switch`, caseHandler, { providerId: 'dag-c', effectiveFrom: '2026-03-01', fromProviderId: 'dag-kommunen' }, 409, 'ORDERS.NOT_CHOSEN', 'body.fromProviderId');
      await r.refused('POST', `/decisions/${c.decisionId}/switch`, caseHandler, { providerId: 'dag-b', effectiveFrom: '2026-03-01', fromProviderId: 'dag-a' }, 409, 'ORDERS.ALREADY_CHOSEN', 'body.providerId');
      await r.refused('POST', `/decisions/${c.decisionId}/switch`, caseHandler, { providerId: 'dag-a', effectiveFrom: '2026-03-01', fromProviderId: 'dag-a' }, 409, 'ORDERS.SAME_PROVIDER');

      const one = await customer();
      await choose(one, 'dag-a');
      await place(one, 'dag-a');
      expect(await r.ok(`/decisions/${one.decisionId}/switch`, one.citizen, { providerId: 'dag-b', effectiveFrom: '2026-03-01' }, 201)).toMatchObject({ fromProviderId: 'dag-a', toProviderId: 'dag-b' });
    });

    it('checks a provider named as switched from where the area has one provider at a time (409 ORDERS.NOT_CHOSEN)', async () => {
      const d = await seedDecision(svc.db);
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a' }, 201);
      await r.refused('POST', `/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hem-b', effectiveFrom: '2026-03-01', fromProviderId: 'hem-b' }, 409, 'ORDERS.NOT_CHOSEN', 'body.fromProviderId');
      expect(await r.ok(`/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hem-b', effectiveFrom: '2026-03-01', fromProviderId: 'hem-a' }, 201)).toMatchObject({ fromProviderId: 'hem-a' });
    });
  });

  describe('POST /orders/:orderId/care-plan with the start and days a week', () => {
    const plan = { agreedOn: '2026-01-28', summary: 'Tuesdays and Thursdays, with lunch.' };
    async function accepted(c: { a: Order; b: Order }) {
      await r.ok(`/orders/${c.a.orderId}/accept`, await providerAs('dag-a'), undefined);
      await r.ok(`/orders/${c.b.orderId}/accept`, await providerAs('dag-b'), undefined);
    }

    it("records the start and days a week agreed, shows them on the order, and keeps the decision's days a week across its orders (409 ORDERS.DAYS_EXCEED_DECISION)", async () => {
      const c = await withTwo({ daysPerWeek: 3 });
      await accepted(c);
      const mark = await r.mark();
      const a = await r.ok<Order>(`/orders/${c.a.orderId}/care-plan`, await providerAs('dag-a'), { ...plan, startsOn: '2026-02-03', daysPerWeek: 2 }, 201);
      expect(a).toMatchObject({ orderId: c.a.orderId, carePlanAgreedOn: '2026-01-28', startsOn: '2026-02-03', daysPerWeek: 2 });
      expect((await r.eventsSince(mark)).map((e) => e.subject)).toEqual(['kundval.orders.care-plan.agreed.v1']);
      const audit = await svc.db.selectFrom('audit_log').select('after').where('entity_id', '=', c.a.orderId).where('action', '=', 'care-plan.agreed').executeTakeFirstOrThrow();
      expect(audit.after).toMatchObject({ startsOn: '2026-02-03', daysPerWeek: 2 });

      const providerB = await providerAs('dag-b');
      const refused = await r.refused('POST', `/orders/${c.b.orderId}/care-plan`, providerB, { ...plan, daysPerWeek: 2 }, 409, 'ORDERS.DAYS_EXCEED_DECISION', 'body.daysPerWeek');
      expect(refused.message).toContain('at most 1');
      expect(await r.ok(`/orders/${c.b.orderId}/care-plan`, providerB, { ...plan, daysPerWeek: 1 }, 201)).toMatchObject({ startsOn: null, daysPerWeek: 1 });
      const listed = (await r.send('GET', `/orders?decisionId=${c.decisionId}`, caseHandler)).json<Order[]>();
      expect(listed.map((o) => [o.providerId, o.startsOn, o.daysPerWeek])).toEqual([
        ['dag-a', '2026-02-03', 2],
        ['dag-b', null, 1],
      ]);
    });

    it("counts only the days of orders still in force: a provider left no longer takes the decision's days", async () => {
      const c = await withTwo({ daysPerWeek: 3 });
      await accepted(c);
      await r.ok(`/orders/${c.a.orderId}/care-plan`, await providerAs('dag-a'), { ...plan, daysPerWeek: 3 }, 201);
      await r.ok(`/orders/${c.a.orderId}/end`, c.citizen, { endDate: '2026-03-31', reason: 'left' });
      now = new Date('2026-04-02T09:00:00+02:00');
      expect(await r.ok(`/orders/${c.b.orderId}/care-plan`, await providerAs('dag-b'), { ...plan, startsOn: '2026-04-07', daysPerWeek: 3 }, 201)).toMatchObject({ daysPerWeek: 3 });
    });

    it('sets no limit where the decision grants no days a week', async () => {
      const c = await withTwo();
      await accepted(c);
      await r.ok(`/orders/${c.a.orderId}/care-plan`, await providerAs('dag-a'), { ...plan, daysPerWeek: 5 }, 201);
      await r.ok(`/orders/${c.b.orderId}/care-plan`, await providerAs('dag-b'), { ...plan, daysPerWeek: 5 }, 201);
    });

    it.each([
      ['a start before the order', { startsOn: '2026-01-31' }, 409, 'ORDERS.STARTS_OUTSIDE_ORDER', 'body.startsOn'],
      ['a start after the order', { startsOn: '2026-08-01' }, 409, 'ORDERS.STARTS_OUTSIDE_ORDER', 'body.startsOn'],
      ['no days a week', { daysPerWeek: 0 }, 400, 'VALIDATION', 'body.daysPerWeek'],
      ['eight days a week', { daysPerWeek: 8 }, 400, 'VALIDATION', 'body.daysPerWeek'],
      ['half a day a week', { daysPerWeek: 1.5 }, 400, 'VALIDATION', 'body.daysPerWeek'],
      ['a start that is not a date', { startsOn: '2026-02-30' }, 400, 'VALIDATION', 'body.startsOn'],
    ])('refuses %s, storing nothing', async (_, extra, status, code, field) => {
      const c = await withTwo({ daysPerWeek: 3 });
      await accepted(c);
      await r.refused('POST', `/orders/${c.a.orderId}/care-plan`, await providerAs('dag-a'), { ...plan, ...extra }, status, code, field);
    });

    it('refuses a start or days a week in an area not paid per attendance day (400 ORDERS.NOT_AN_ATTENDANCE_AREA)', async () => {
      const d = await seedDecision(svc.db);
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a' }, 201);
      const order = await r.ok<Order>('/orders', system, { decisionId: d.decisionId }, 201);
      const provider = await providerAs('hem-a');
      await r.ok(`/orders/${order.orderId}/accept`, provider, undefined);
      await r.refused('POST', `/orders/${order.orderId}/care-plan`, provider, { ...plan, daysPerWeek: 2 }, 400, 'ORDERS.NOT_AN_ATTENDANCE_AREA', 'body.daysPerWeek');
      await r.refused('POST', `/orders/${order.orderId}/care-plan`, provider, { ...plan, startsOn: '2026-02-02' }, 400, 'ORDERS.NOT_AN_ATTENDANCE_AREA', 'body.startsOn');
      expect(await r.ok(`/orders/${order.orderId}/care-plan`, provider, plan, 201)).toMatchObject({ carePlanAgreedOn: '2026-01-28', startsOn: null, daysPerWeek: null });
    });
  });

  describe("POST /orders/:orderId/end with reason 'left'", () => {
    it("lets the citizen leave one of several providers: the order ends with orderEnded 'left', the choice ends, and the other provider alone needs no name", async () => {
      const c = await withTwo();
      const mark = await r.mark();
      const ended = await r.ok<Order>(`/orders/${c.a.orderId}/end`, c.citizen, { endDate: '2026-03-31', reason: 'left' });
      expect(ended).toMatchObject({ orderId: c.a.orderId, providerId: 'dag-a', endDate: '2026-03-31', endReason: 'left' });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.order.ended.v1',
          payload: { orderId: c.a.orderId, applicationId: c.applicationId, customerId: c.customerId, providerId: 'dag-a', endDate: '2026-03-31', reason: 'left' },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['actor_role', 'after']).where('entity_id', '=', c.a.orderId).where('action', '=', 'order.ended').executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ actor_role: 'citizen', after: { endDate: '2026-03-31', endReason: 'left', endedChoiceId: expect.any(String) } });
      expect((await choiceStatuses(c.decisionId)).map((row) => [row.provider_id, row.status])).toEqual([
        ['dag-a', 'ended'],
        ['dag-b', 'active'],
      ]);

      // Asking again changes nothing; B is now the only provider, so neither an order nor a switch needs a name.
      const before = await r.counts();
      expect(await r.ok(`/orders/${c.a.orderId}/end`, c.citizen, { endDate: '2026-03-31', reason: 'left' })).toMatchObject({ endDate: '2026-03-31' });
      expect((await r.ok<Order>('/orders', system, { decisionId: c.decisionId }, 200)).orderId).toBe(c.b.orderId);
      expect(await r.counts()).toEqual(before);
      expect(await r.ok(`/decisions/${c.decisionId}/switch`, c.citizen, { providerId: 'dag-c', effectiveFrom: '2026-05-01' }, 201)).toMatchObject({ fromProviderId: 'dag-b' });

      // Choosing A again is a new choice, in force after its last order ends.
      await choose(c, 'dag-a');
      expect(await place(c, 'dag-a')).toMatchObject({ providerId: 'dag-a', validFrom: '2026-04-01' });
    });

    it("lets the case handler leave a provider for the customer, from today at the earliest", async () => {
      const c = await withTwo();
      now = new Date('2026-03-15T12:00:00+01:00');
      await r.refused('POST', `/orders/${c.b.orderId}/end`, caseHandler, { endDate: '2026-03-14', reason: 'left' }, 409, 'ORDERS.END_DATE_PAST', 'body.endDate');
      expect(await r.ok(`/orders/${c.b.orderId}/end`, caseHandler, { endDate: '2026-03-15', reason: 'left' })).toMatchObject({ endDate: '2026-03-15', endReason: 'left' });
    });

    it('refuses to leave the last provider (409 ORDERS.LAST_PROVIDER), and leaving where the area has one provider at a time (409 ORDERS.REASON_NOT_FOR_AREA)', async () => {
      const c = await withTwo();
      await r.ok(`/orders/${c.a.orderId}/end`, c.citizen, { endDate: '2026-03-31', reason: 'left' });
      await r.refused('POST', `/orders/${c.b.orderId}/end`, c.citizen, { endDate: '2026-04-30', reason: 'left' }, 409, 'ORDERS.LAST_PROVIDER');
      // Nor may B be left on the same day as A, with nobody after.
      await r.refused('POST', `/orders/${c.b.orderId}/end`, caseHandler, { endDate: '2026-03-31', reason: 'left' }, 409, 'ORDERS.LAST_PROVIDER');

      const d = await seedDecision(svc.db);
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hem-a' }, 201);
      const order = await r.ok<Order>('/orders', system, { decisionId: d.decisionId }, 201);
      const citizen = await svc.as({ role: 'citizen', customerId: d.customerId });
      await r.refused('POST', `/orders/${order.orderId}/end`, citizen, { endDate: '2026-03-31', reason: 'left' }, 409, 'ORDERS.REASON_NOT_FOR_AREA', 'body.reason');
    });

    it("does not find the order for another customer's citizen (404); refuses a citizen ending for any other reason and a case handler recording a move-out (403); 404 for an unknown order", async () => {
      const c = await withTwo();
      const other = await svc.as({ role: 'citizen', customerId: UNKNOWN });
      await r.refused('POST', `/orders/${c.a.orderId}/end`, other, { endDate: '2026-03-31', reason: 'left' }, 404, 'ORDERS.ORDER_NOT_FOUND');
      await r.refused('POST', `/orders/${c.a.orderId}/end`, c.citizen, { endDate: '2026-03-31', reason: 'decision-ended' }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${c.a.orderId}/end`, caseHandler, { endDate: '2026-03-31', reason: 'moved-out' }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${c.a.orderId}/end`, await providerAs('dag-a'), { endDate: '2026-03-31', reason: 'left' }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${UNKNOWN}/end`, c.citizen, { endDate: '2026-03-31', reason: 'left' }, 404, 'ORDERS.ORDER_NOT_FOUND');
    });
  });

  describe("POST /orders/:orderId/end with reason 'moved-out'", () => {
    it('ends a nursing-home order on the day before the move-out, from the journey, leaving the place to the home to release', async () => {
      const d = await seedDecision(svc.db, { areaId: 'nursing-home', level: 5 });
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'boende-a' }, 201);
      const order = await r.ok<Order>('/orders', system, { decisionId: d.decisionId }, 201);
      const occupied = async () =>
        (await svc.db.selectFrom('authorizations').select('occupied_places').where('provider_id', '=', 'boende-a').where('area_id', '=', 'nursing-home').executeTakeFirstOrThrow()).occupied_places;
      const placesBefore = await occupied();
      now = new Date('2026-05-12T08:00:00+02:00');
      const mark = await r.mark();
      // Moved out on 2026-05-10, reported afterwards: the 9th is the last day paid.
      expect(await r.ok(`/orders/${order.orderId}/end`, system, { endDate: '2026-05-09', reason: 'moved-out' })).toMatchObject({ endDate: '2026-05-09', endReason: 'moved-out' });
      expect((await r.eventsSince(mark)).map((e) => [e.subject, e.payload['endDate'], e.payload['reason']])).toEqual([['kundval.orders.order.ended.v1', '2026-05-09', 'moved-out']]);
      expect(await occupied()).toBe(placesBefore);
    });

    it('refuses a move-out from an area that is not a home (409 ORDERS.REASON_NOT_FOR_AREA)', async () => {
      const c = await withTwo();
      await r.refused('POST', `/orders/${c.a.orderId}/end`, system, { endDate: '2026-03-31', reason: 'moved-out' }, 409, 'ORDERS.REASON_NOT_FOR_AREA', 'body.reason');
    });
  });
});
