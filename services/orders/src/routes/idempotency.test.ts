import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type CatalogEvent } from '@kundval/contracts';
import { testEngines } from '@kundval/platform/testing';
import { applyDecisionEvent } from '../consumers/decisions.consumer.js';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../test-support/orders-service.js';
import { requestsFor, type Headers } from '../test-support/requests.js';

type Decision = Awaited<ReturnType<typeof seedDecision>>;

describe.each(testEngines())('Idempotency-Key on the orders commands on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let system: Headers;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_idempotency');
    r = requestsFor(svc);
    system = await svc.as({ role: 'system', sub: 'journey-worker' });
    await seedProvider(svc.db, { providerId: 'omsorg-a' });
    await seedProvider(svc.db, { providerId: 'omsorg-b' });
    await seedProvider(svc.db, { providerId: 'kommunens-hemtjanst', kind: 'municipal', isDefault: true });
  });
  afterAll(() => svc?.close());

  const withKey = (headers: Headers, key: string) => ({ ...headers, 'idempotency-key': key });

  /** A seeded decision with omsorg-a chosen and ordered. */
  async function ordered(): Promise<Decision & { orderId: string }> {
    const d = await seedDecision(svc.db);
    await r.ok(`/decisions/${d.decisionId}/choice`, system, { providerId: 'omsorg-a' }, 201);
    const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: d.decisionId }, 201);
    return { ...d, orderId: order.orderId };
  }

  /** The decisions service renews the decision to the end of the year, and the event reaches this service. */
  async function renewed(d: Decision) {
    const payload = { changeId: randomUUID(), applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null };
    await applyDecisionEvent(svc.db, { name: 'decisionChanged', eventId: randomUUID(), subject: eventCatalog.decisionChanged.subject, occurredAt: new Date().toISOString(), correlationId: null, payload } as CatalogEvent);
    return { effectiveFrom: payload.effectiveFrom, validTo: payload.validTo, careHoursPerMonth: payload.careHoursPerMonth, serviceHoursPerMonth: payload.serviceHoursPerMonth, level: null };
  }

  /** The journey's commands to this service: the call, its first answer's status, and another body for the same key. */
  const journeyCommands: Array<[string, () => Promise<{ url: string; body?: Record<string, unknown>; other: Record<string, unknown>; status: number }>]> = [
    ['POST /decisions/:id/default-choice', async () => ({ url: `/decisions/${(await seedDecision(svc.db)).decisionId}/default-choice`, other: { unexpected: true }, status: 200 })],
    ['POST /decisions/:id/choice', async () => ({ url: `/decisions/${(await seedDecision(svc.db)).decisionId}/choice`, body: { providerId: 'omsorg-a' }, other: { providerId: 'omsorg-b' }, status: 201 })],
    [
      'POST /orders',
      async () => {
        const d = await seedDecision(svc.db);
        await r.ok(`/decisions/${d.decisionId}/choice`, system, { providerId: 'omsorg-a' }, 201);
        return { url: '/orders', body: { decisionId: d.decisionId }, other: { decisionId: d.decisionId, effectiveFrom: '2026-03-01' }, status: 201 };
      },
    ],
    ['POST /orders/:id/end', async () => ({ url: `/orders/${(await ordered()).orderId}/end`, body: { endDate: '2026-06-30', reason: 'decision-ended' }, other: { endDate: '2026-05-31', reason: 'decision-ended' }, status: 200 })],
    [
      'POST /orders/:id/changes',
      async () => {
        const d = await ordered();
        const change = await renewed(d);
        // The consumer amended the order with the change already (ADR 0029): a journey still sending it gets the order, 200.
        return { url: `/orders/${d.orderId}/changes`, body: change, other: { ...change, careHoursPerMonth: 14 }, status: 200 };
      },
    ],
    ['POST /orders/:id/reminders', async () => ({ url: `/orders/${(await ordered()).orderId}/reminders`, body: { about: 'acceptance', key: 'day-3' }, other: { about: 'acceptance', key: 'day-5' }, status: 201 })],
  ];

  describe.each(journeyCommands)('%s from the journey', (_, setup) => {
    it('answers the retry with the same key with the exact first status and body, changing no row', async () => {
      const { url, body, status } = await setup();
      const key = `journey-${randomUUID()}:${url}`;
      const first = await r.send('POST', url, withKey(system, key), body);
      expect(first.statusCode, first.body).toBe(status);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const before = await r.counts();
      const commits = svc.commits();
      const retry = await r.send('POST', url, withKey(system, key), body);
      expect([retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([status, first.body, 'true']);
      expect(await r.counts()).toEqual(before);
      expect(svc.commits(), 'a replay does not kick the relay').toBe(commits);
    });

    it('refuses the same key with a different body with 422 IDEMPOTENCY.KEY_REUSED naming the key, changing no row', async () => {
      const { url, body, other } = await setup();
      const key = `reused-${randomUUID()}`;
      await r.send('POST', url, withKey(system, key), body);
      const refusal = await r.refused('POST', url, withKey(system, key), other, 422, 'IDEMPOTENCY.KEY_REUSED', 'headers.idempotency-key');
      expect(refusal.message).toContain(`"${key}"`);
    });
  });

  it('answers a choice whose answer was lost with the same choice (201) when retried with its key; unkeyed, the retry is 409 ORDERS.ALREADY_CHOSEN', async () => {
    const d = await seedDecision(svc.db, { customerId: randomUUID() });
    const key = `journey-${d.applicationId}:choose:omsorg-a`;
    const first = await r.send('POST', `/decisions/${d.decisionId}/choice`, withKey(system, key), { providerId: 'omsorg-a' });
    const retry = await r.send('POST', `/decisions/${d.decisionId}/choice`, withKey(system, key), { providerId: 'omsorg-a' });
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.json()).toEqual(first.json());
    expect(retry.json()).toMatchObject({ decisionId: d.decisionId, providerId: 'omsorg-a', chosenBy: 'customer' });
    const unkeyed = await r.send('POST', `/decisions/${d.decisionId}/choice`, system, { providerId: 'omsorg-a' });
    expect([unkeyed.statusCode, unkeyed.json().error]).toEqual([409, 'ORDERS.ALREADY_CHOSEN']);
  });

  it("keeps each caller's keys apart, and each path's", async () => {
    const [one, two] = [await seedDecision(svc.db), await seedDecision(svc.db)];
    await r.ok(`/decisions/${one.decisionId}/choice`, withKey(system, 'same-key'), { providerId: 'omsorg-a' }, 201);
    const anotherWorker = await svc.as({ sub: 'another-worker', role: 'system' });
    expect(await r.ok(`/decisions/${two.decisionId}/choice`, withKey(anotherWorker, 'same-key'), { providerId: 'omsorg-b' }, 201)).toMatchObject({ decisionId: two.decisionId, providerId: 'omsorg-b' });
    const three = await seedDecision(svc.db);
    expect(await r.ok(`/decisions/${three.decisionId}/choice`, withKey(system, 'same-key'), { providerId: 'omsorg-a' }, 201)).toMatchObject({ decisionId: three.decisionId });
  });

  it('keeps no 409 for a command refused "not yet": the retry with the key runs once the refusal no longer holds', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(system, 'order-1');
    await r.refused('POST', '/orders', headers, { decisionId: d.decisionId }, 409, 'ORDERS.NO_CHOICE');
    await r.ok(`/decisions/${d.decisionId}/choice`, system, { providerId: 'omsorg-a' }, 201);
    const placed = await r.ok<{ orderId: string }>('/orders', headers, { decisionId: d.decisionId }, 201);
    const replay = await r.send('POST', '/orders', headers, { decisionId: d.decisionId });
    expect([replay.statusCode, replay.json().orderId]).toEqual([201, placed.orderId]);
  });

  it('keeps no 404 for a decision not heard of yet: the retry with the key runs once its copy arrives', async () => {
    const decisionId = randomUUID();
    const headers = withKey(system, 'default-404');
    await r.refused('POST', `/decisions/${decisionId}/default-choice`, headers, undefined, 404);
    const arrived = await seedDecision(svc.db);
    await svc.db.updateTable('decisions').set({ decision_id: decisionId }).where('decision_id', '=', arrived.decisionId).execute();
    expect(await r.ok(`/decisions/${decisionId}/default-choice`, headers, undefined, 200)).toMatchObject({ decisionId, providerId: 'kommunens-hemtjanst', chosenBy: 'default' });
  });

  it('answers two simultaneous requests with the same key alike, having run the command once', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(system, 'race-1');
    const mark = await r.mark();
    const [a, b] = await Promise.all([
      r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' }),
      r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect(await r.subjectsSince(mark)).toEqual(['kundval.orders.provider.chosen.v1']);
  });

  it.each([
    ['with a space', 'two words'],
    ['longer than 200 characters', 'k'.repeat(201)],
    ['empty', ''],
  ])('refuses a key %s with 400 naming headers.idempotency-key, storing nothing', async (_, key) => {
    const d = await seedDecision(svc.db);
    await r.refused('POST', `/decisions/${d.decisionId}/choice`, withKey(system, key), { providerId: 'omsorg-a' }, 400, 'VALIDATION', 'headers.idempotency-key');
  });

  it('is declared on every command of the service (OpenAPI)', () => {
    const doc = (svc.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> } }).swagger();
    const commands = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => ['post', 'put', 'patch'].includes(m)).map(([m, op]) => [`${m} ${path}`, op] as const));
    expect(commands).toHaveLength(18);
    for (const [name, op] of commands) expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), name).toBe(true);
  });
});
