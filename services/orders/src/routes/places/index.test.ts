import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { ordersRoutes } from '../../app.js';
import { TEST_NOW, seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { citizenPerson, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

type Customer = { decisionId: string; applicationId: string; customerId: string; citizen: Headers };
type Offer = { offerId: string; decisionId: string; customerId: string; providerId: string; answerBy: string; status: string };

describe.each(testEngines())('nursing-home places: queue, offers and answers on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let now = TEST_NOW;
  let caseHandler: Headers;
  let system: Headers;
  let admin: Headers;
  const providerAs = (providerId: string) => svc.as({ role: 'provider', providerId });

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_places', ordersRoutes, () => now);
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    admin = await svc.as({ role: 'administrator' });
    await seedProvider(svc.db, { providerId: 'hemtjanst-ab' });
  });
  beforeEach(() => {
    now = TEST_NOW;
  });
  afterAll(() => svc?.close());

  /** A nursing home with `capacity` places, `occupied` of them taken. */
  const home = (providerId: string, capacity: number, occupied = 0, extra: Parameters<typeof seedProvider>[1] = { providerId }) =>
    seedProvider(svc.db, { ...extra, providerId, areaId: 'nursing-home', capacity, occupiedPlaces: occupied });
  async function customer(): Promise<Customer> {
    const d = await seedDecision(svc.db, { areaId: 'nursing-home', level: 5 });
    return { ...d, citizen: await svc.as({ role: 'citizen', customerId: d.customerId }) };
  }
  const choose = async (c: Customer, providerId: string, extra: Record<string, unknown> = {}) => r.send('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId, ...extra });
  const release = async (providerId: string, count: number) => r.ok<{ offers: Offer[]; occupiedPlaces: number }>(`/providers/${providerId}/places/released`, await providerAs(providerId), { count });
  const queueOf = async (providerId: string) => (await r.send('GET', `/providers/${providerId}/queue`, caseHandler)).json<Array<{ decisionId: string; position: number; status: string; offer: { offerId: string } | null }>>();

  it('queues a customer choosing a full home, offers the first in line a released place, and records the choice when it is accepted', async () => {
    await home('solgarden', 1);
    const first = await customer();
    expect((await choose(first, 'solgarden')).statusCode).toBe(201);
    const compared = (await r.send('GET', '/providers?areaId=nursing-home', first.citizen)).json<Array<Record<string, unknown>>>();
    expect(compared.find((p) => p['providerId'] === 'solgarden')).toMatchObject({ capacityUnit: 'places', capacityCustomers: 1, capacityLeft: 0, queueLength: 0 });

    const second = await customer();
    const third = await customer();
    const mark = await r.mark();
    const queued = await choose(second, 'solgarden');
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toEqual({
      queueEntryId: expect.any(String),
      providerId: 'solgarden',
      areaId: 'nursing-home',
      decisionId: second.decisionId,
      customerId: second.customerId,
      status: 'waiting',
      position: 1,
      queuedAt: TEST_NOW.toISOString(),
      offer: null,
    });
    expect(await r.eventsSince(mark)).toEqual([
      {
        subject: 'kundval.orders.place.queued.v1',
        payload: { applicationId: second.applicationId, decisionId: second.decisionId, customerId: second.customerId, providerId: 'solgarden', queuedAt: TEST_NOW.toISOString() },
      },
    ]);
    expect((await choose(third, 'solgarden')).json()).toMatchObject({ status: 'waiting', position: 2 });
    // Queued is not chosen: no order can be placed yet.
    await r.refused('POST', '/orders', system, { decisionId: second.decisionId }, 409, 'ORDERS.NO_CHOICE');
    expect((await queueOf('solgarden')).map((e) => [e.decisionId, e.position, e.status])).toEqual([
      [second.decisionId, 1, 'waiting'],
      [third.decisionId, 2, 'waiting'],
    ]);

    const released = await r.mark();
    const answer = await release('solgarden', 1);
    expect(answer).toMatchObject({ providerId: 'solgarden', areaId: 'nursing-home', released: 1, occupiedPlaces: 1, capacity: 1 });
    expect(answer.offers).toEqual([
      { offerId: expect.any(String), queueEntryId: queued.json().queueEntryId, providerId: 'solgarden', areaId: 'nursing-home', decisionId: second.decisionId, customerId: second.customerId, answerBy: '2026-01-23', status: 'open' },
    ]);
    const offerId = answer.offers[0]!.offerId;
    expect(await r.eventsSince(released)).toEqual([
      { subject: 'kundval.orders.place.offered.v1', payload: { offerId, applicationId: second.applicationId, decisionId: second.decisionId, customerId: second.customerId, providerId: 'solgarden', answerBy: '2026-01-23' } },
    ]);
    expect((await queueOf('solgarden'))[0]).toMatchObject({ status: 'offered', position: 1, offer: { offerId, answerBy: '2026-01-23' } });

    const answered = await r.mark();
    const accepted = await r.ok(`/offers/${offerId}/answer`, second.citizen, { accepted: true });
    expect(accepted).toMatchObject({ offer: { offerId, status: 'accepted' }, choice: { decisionId: second.decisionId, providerId: 'solgarden', chosenBy: 'customer' }, switch: null });
    expect(await r.eventsSince(answered)).toEqual([
      { subject: 'kundval.orders.offer.answered.v1', payload: { offerId, applicationId: second.applicationId, customerId: second.customerId, providerId: 'solgarden', accepted: true, stayInQueueFor: null } },
      expect.objectContaining({ subject: 'kundval.orders.provider.chosen.v1', payload: expect.objectContaining({ decisionId: second.decisionId, providerId: 'solgarden' }) }),
    ]);
    expect(await r.ok('/orders', system, { decisionId: second.decisionId }, 201)).toMatchObject({ providerId: 'solgarden', level: 5 });
    expect((await queueOf('solgarden')).map((e) => [e.decisionId, e.position])).toEqual([[third.decisionId, 1]]);
  });

  it('sends a declined place to the next in line, and the customer who declined leaves the queue', async () => {
    await home('ekbacken', 1, 1);
    const [a, b] = [await customer(), await customer()];
    await choose(a, 'ekbacken');
    await choose(b, 'ekbacken');
    const offerId = (await release('ekbacken', 1)).offers[0]!.offerId;
    const mark = await r.mark();
    expect(await r.ok(`/offers/${offerId}/answer`, a.citizen, { accepted: false })).toMatchObject({ offer: { status: 'declined' }, choice: null, switch: null });
    const events = await r.eventsSince(mark);
    expect(events.map((e) => [e.subject, e.payload['customerId']])).toEqual([
      ['kundval.orders.offer.answered.v1', a.customerId],
      ['kundval.orders.place.offered.v1', b.customerId],
    ]);
    expect(events[0]!.payload['accepted']).toBe(false);
    expect((await queueOf('ekbacken')).map((e) => [e.decisionId, e.status])).toEqual([[b.decisionId, 'offered']]);
  });

  it('lets a customer take a free place in another home and stay in the queue for the first choice; accepting that home later is a move (providerSwitched)', async () => {
    await home('forsta-hemmet', 1, 1);
    await home('andra-hemmet', 3);
    const c = await customer();
    expect((await choose(c, 'forsta-hemmet')).statusCode).toBe(202);
    expect((await choose(c, 'andra-hemmet', { stayInQueueFor: 'forsta-hemmet' })).statusCode).toBe(201);
    expect((await queueOf('forsta-hemmet')).map((e) => e.decisionId)).toEqual([c.decisionId]);
    const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: c.decisionId }, 201);

    const offerId = (await release('forsta-hemmet', 1)).offers[0]!.offerId;
    const mark = await r.mark();
    const moved = await r.ok(`/offers/${offerId}/answer`, c.citizen, { accepted: true, effectiveFrom: '2026-03-01' });
    expect(moved).toMatchObject({
      choice: null,
      switch: { decisionId: c.decisionId, fromProviderId: 'andra-hemmet', toProviderId: 'forsta-hemmet', effectiveFrom: '2026-03-01' },
    });
    expect(await r.subjectsSince(mark)).toEqual(['kundval.orders.offer.answered.v1', 'kundval.orders.provider.switched.v1']);
    await r.ok(`/orders/${order.orderId}/end`, system, { endDate: '2026-02-28', reason: 'switched' });
    expect(await r.ok('/orders', system, { decisionId: c.decisionId, effectiveFrom: '2026-03-01' }, 201)).toMatchObject({ providerId: 'forsta-hemmet' });
  });

  it('takes a customer who chooses a free place out of every other queue unless told to stay', async () => {
    await home('tallbo', 1, 1);
    await home('granbo', 1, 1);
    await home('lindbo', 2);
    const c = await customer();
    await choose(c, 'tallbo');
    await choose(c, 'granbo');
    expect((await choose(c, 'granbo')).json().error).toBe('ORDERS.ALREADY_QUEUED');
    expect((await choose(c, 'lindbo')).statusCode).toBe(201);
    expect(await queueOf('tallbo')).toEqual([]);
    expect(await queueOf('granbo')).toEqual([]);
  });

  it('refuses to keep a queue place the customer does not hold (409 ORDERS.NOT_IN_QUEUE), storing nothing', async () => {
    await home('bjorkbo', 2);
    const c = await customer();
    await r.refused('POST', `/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'bjorkbo', stayInQueueFor: 'tallbo' }, 409, 'ORDERS.NOT_IN_QUEUE', 'body.stayInQueueFor');
  });

  it('lets an unanswered offer lapse after its answer date: answering is 409 ORDERS.OFFER_LAPSED, and the place goes to the next in line', async () => {
    await home('aspbo', 1, 1);
    const [a, b] = [await customer(), await customer()];
    await choose(a, 'aspbo');
    await choose(b, 'aspbo');
    const offerId = (await release('aspbo', 1)).offers[0]!.offerId;
    now = new Date('2026-01-23T23:00:00+01:00');
    expect((await queueOf('aspbo'))[0]).toMatchObject({ decisionId: a.decisionId, status: 'offered' });
    now = new Date('2026-01-24T08:00:00+01:00');
    await r.refused('POST', `/offers/${offerId}/answer`, a.citizen, { accepted: true }, 409, 'ORDERS.OFFER_LAPSED');
    const served = await release('aspbo', 0);
    expect(served.offers.map((o) => [o.decisionId, o.answerBy])).toEqual([[b.decisionId, '2026-01-27']]);
    expect((await queueOf('aspbo')).map((e) => e.decisionId)).toEqual([b.decisionId]);
    await r.refused('POST', `/offers/${offerId}/answer`, a.citizen, { accepted: true }, 409, 'ORDERS.OFFER_CLOSED');
  });

  it('passes over a customer whose decision has ended when it offers a place', async () => {
    await home('lonnbo', 1, 1);
    const [gone, next] = [await customer(), await customer()];
    await choose(gone, 'lonnbo');
    await choose(next, 'lonnbo');
    // As the consumer records decisionEnded.
    await svc.db.updateTable('decisions').set({ ended_on: '2026-01-19', end_reason: 'deceased' }).where('decision_id', '=', gone.decisionId).execute();
    expect((await release('lonnbo', 1)).offers.map((o) => o.decisionId)).toEqual([next.decisionId]);
    expect((await queueOf('lonnbo')).map((e) => e.decisionId)).toEqual([next.decisionId]);
  });

  it('queues a switch to a full home (202) and refuses the default while the customer waits (409 ORDERS.IN_QUEUE)', async () => {
    await home('hemmet-fullt', 1, 1);
    await home('hemmet-ledigt', 3);
    const c = await customer();
    await r.ok(`/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'hemmet-ledigt' }, 201);
    await r.ok('/orders', system, { decisionId: c.decisionId }, 201);
    const queued = await r.send('POST', `/decisions/${c.decisionId}/switch`, c.citizen, { providerId: 'hemmet-fullt', effectiveFrom: '2026-03-01' });
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toMatchObject({ providerId: 'hemmet-fullt', status: 'waiting', position: 1 });

    const waiting = await customer();
    expect((await choose(waiting, 'hemmet-fullt')).statusCode).toBe(202);
    await r.refused('POST', `/decisions/${waiting.decisionId}/default-choice`, system, undefined, 409, 'ORDERS.IN_QUEUE');
  });

  it('refuses the default home when it is full (409 ORDERS.NO_FREE_PLACE), and assigns it while a place is free', async () => {
    const c = await customer();
    await home('kommunens-hem', 1, 1, { providerId: 'kommunens-hem', isDefault: true, kind: 'municipal' });
    await r.refused('POST', `/decisions/${c.decisionId}/default-choice`, system, undefined, 409, 'ORDERS.NO_FREE_PLACE');
    await release('kommunens-hem', 1);
    expect(await r.ok(`/decisions/${c.decisionId}/default-choice`, system, undefined)).toMatchObject({ providerId: 'kommunens-hem', chosenBy: 'default' });
  });

  it('a home may not refuse over capacity (the place is held for the customer), but outside its service area it may, and the place goes to the queue', async () => {
    await home('strandbo', 1, 0, { providerId: 'strandbo', serviceArea: ['Saltsjöbaden'] });
    const c = await customer();
    await r.ok(`/decisions/${c.decisionId}/choice`, await journeyFor(svc, citizenPerson(c.customerId)), { providerId: 'strandbo', district: 'Älta' }, 201);
    const waiting = await customer();
    await choose(waiting, 'strandbo');
    const { orderId } = await r.ok<{ orderId: string }>('/orders', system, { decisionId: c.decisionId }, 201);
    const provider = await providerAs('strandbo');
    await r.refused('POST', `/orders/${orderId}/refuse`, provider, { reason: 'over-capacity', explanation: 'Full.' }, 409, 'ORDERS.MUST_ACCEPT');
    const mark = await r.mark();
    await r.ok(`/orders/${orderId}/refuse`, provider, { reason: 'outside-service-area', explanation: 'We only serve Saltsjöbaden.' });
    expect(await r.subjectsSince(mark)).toEqual(['kundval.orders.place.offered.v1', 'kundval.orders.order.refused.v1']);
    expect((await queueOf('strandbo'))[0]).toMatchObject({ decisionId: waiting.decisionId, status: 'offered' });
  });

  describe('POST /providers/:providerId/places/released', () => {
    it('lets an administrator report for the home too', async () => {
      await home('vallbo', 2, 2);
      expect(await r.ok('/providers/vallbo/places/released', admin, { count: 2, areaId: 'nursing-home' })).toMatchObject({ released: 2, occupiedPlaces: 0, offers: [] });
    });

    it.each([
      ['more places than are taken', { count: 3 }, 409, 'ORDERS.RELEASE_EXCEEDS_OCCUPIED', 'body.count'],
      ['a negative count', { count: -1 }, 400, 'VALIDATION', 'body.count'],
      ['a fractional count', { count: 1.5 }, 400, 'VALIDATION', 'body.count'],
      ['an area not counted in places', { count: 1, areaId: 'home-care' }, 400, 'ORDERS.NOT_A_PLACE_AREA', 'body.areaId'],
    ])('refuses %s, storing nothing', async (_, payload, status, code, field) => {
      await home(`ros-${status}-${String(payload.count).replace('.', '')}`, 2, 2);
      await r.refused('POST', `/providers/ros-${status}-${String(payload.count).replace('.', '')}/places/released`, admin, payload, status, code, field);
    });

    it('answers 404 for a provider without places, refuses another provider, a citizen, a case handler (403) and no token (401)', async () => {
      await home('hagbo', 2, 2);
      await r.refused('POST', '/providers/hemtjanst-ab/places/released', admin, { count: 1 }, 404, 'ORDERS.AUTHORIZATION_NOT_FOUND');
      const c = await customer();
      await r.refused('POST', '/providers/hagbo/places/released', await providerAs('vallbo'), { count: 1 }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/hagbo/places/released', c.citizen, { count: 1 }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/hagbo/places/released', caseHandler, { count: 1 }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', '/providers/hagbo/places/released', {}, { count: 1 }, 401, 'AUTH.MISSING_TOKEN');
    });
  });

  describe('GET /providers/:providerId/queue', () => {
    it('shows a home its own queue and case handlers and operators any; refuses other providers and citizens (403); 404 for an unknown provider', async () => {
      await home('kobo', 1, 1);
      const c = await customer();
      await choose(c, 'kobo');
      const own = await r.send('GET', '/providers/kobo/queue', await providerAs('kobo'));
      expect(own.statusCode).toBe(200);
      expect(own.json().map((e: { customerId: string }) => e.customerId)).toEqual([c.customerId]);
      expect((await r.send('GET', '/providers/kobo/queue?areaId=nursing-home', await svc.as({ role: 'operator' }))).json()).toHaveLength(1);
      expect((await r.send('GET', '/providers/kobo/queue', await providerAs('vallbo'))).statusCode).toBe(403);
      expect((await r.send('GET', '/providers/kobo/queue', await svc.as({ role: 'provider' }))).statusCode).toBe(403);
      expect((await r.send('GET', '/providers/kobo/queue', c.citizen)).statusCode).toBe(403);
      expect((await r.send('GET', '/providers/kobo/queue', {})).statusCode).toBe(401);
      const missing = await r.send('GET', '/providers/finns-inte/queue', caseHandler);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('ORDERS.PROVIDER_NOT_FOUND');
    });
  });

  describe('POST /offers/:offerId/answer', () => {
    it("refuses a second answer (409 ORDERS.OFFER_CLOSED), staying in a queue with a decline (400), a missing answer (400), another customer's citizen (404, as an unknown offer), a provider (403), no token (401); 404 for an unknown offer", async () => {
      await home('svarbo', 1, 1);
      const [a, other] = [await customer(), await customer()];
      await choose(a, 'svarbo');
      const offerId = (await release('svarbo', 1)).offers[0]!.offerId;
      const url = `/offers/${offerId}/answer`;
      await r.refused('POST', url, a.citizen, { accepted: false, stayInQueueFor: 'svarbo' }, 400, 'ORDERS.STAY_ONLY_WHEN_ACCEPTING', 'body.stayInQueueFor');
      await r.refused('POST', url, a.citizen, {}, 400, 'VALIDATION', 'body.accepted');
      await r.refused('POST', url, a.citizen, { accepted: true, stayInQueueFor: 'vallbo' }, 409, 'ORDERS.NOT_IN_QUEUE', 'body.stayInQueueFor');
      await r.refused('POST', url, other.citizen, { accepted: true }, 404, 'ORDERS.OFFER_NOT_FOUND');
      await r.refused('POST', url, await providerAs('svarbo'), { accepted: true }, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, {}, { accepted: true }, 401, 'AUTH.MISSING_TOKEN');
      await r.refused('POST', `/offers/${UNKNOWN}/answer`, caseHandler, { accepted: true }, 404, 'ORDERS.OFFER_NOT_FOUND');
      await r.ok(url, caseHandler, { accepted: true });
      await r.refused('POST', url, a.citizen, { accepted: true }, 409, 'ORDERS.OFFER_CLOSED');
    });
  });
});
