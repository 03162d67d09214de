import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../test-support/orders-service.js';
import { requestsFor, type Headers } from '../test-support/requests.js';

describe.each(testEngines())('Idempotency-Key on commands on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let caseHandler: Headers;
  let system: Headers;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_idempotency');
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    await seedProvider(svc.db, { providerId: 'omsorg-a' });
    await seedProvider(svc.db, { providerId: 'omsorg-b' });
  });
  afterAll(() => svc?.close());

  const withKey = (headers: Headers, key: string) => ({ ...headers, 'idempotency-key': key });

  it('answers a retry with the same key with the first answer, running the command once', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(caseHandler, 'choice-1');
    const first = await r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const before = await r.counts();
    const commits = svc.commits();
    const retry = await r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' });
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await r.counts()).toEqual(before);
    expect(svc.commits(), 'a replay does not kick the relay').toBe(commits);
    // Without the key the same request is judged afresh: the choice exists.
    expect((await r.send('POST', `/decisions/${d.decisionId}/choice`, caseHandler, { providerId: 'omsorg-a' })).json().error).toBe('ORDERS.ALREADY_CHOSEN');
  });

  it('refuses a key reused for another request (409 ORDERS.IDEMPOTENCY_KEY_REUSED), storing nothing', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(caseHandler, 'choice-2');
    await r.ok(`/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' }, 201);
    await r.refused('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-b' }, 409, 'ORDERS.IDEMPOTENCY_KEY_REUSED');
    await r.refused('POST', '/orders', headers, { decisionId: d.decisionId }, 409, 'ORDERS.IDEMPOTENCY_KEY_REUSED');
  });

  it("keeps each caller's keys apart", async () => {
    const [one, two] = [await seedDecision(svc.db), await seedDecision(svc.db)];
    await r.ok(`/decisions/${one.decisionId}/choice`, withKey(caseHandler, 'same-key'), { providerId: 'omsorg-a' }, 201);
    const citizen = await svc.as({ role: 'citizen', customerId: two.customerId });
    expect(await r.ok(`/decisions/${two.decisionId}/choice`, withKey(citizen, 'same-key'), { providerId: 'omsorg-b' }, 201)).toMatchObject({ decisionId: two.decisionId, providerId: 'omsorg-b' });
  });

  it('keeps no key for a refused command: the retry is judged afresh once the refusal no longer holds', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(system, 'order-1');
    await r.refused('POST', '/orders', headers, { decisionId: d.decisionId }, 409, 'ORDERS.NO_CHOICE');
    await r.ok(`/decisions/${d.decisionId}/choice`, caseHandler, { providerId: 'omsorg-a' }, 201);
    const placed = await r.ok<{ orderId: string }>('/orders', headers, { decisionId: d.decisionId }, 201);
    expect((await r.send('POST', '/orders', headers, { decisionId: d.decisionId })).json().orderId).toBe(placed.orderId);
  });

  it('answers two simultaneous requests with the same key alike, having run the command once', async () => {
    const d = await seedDecision(svc.db);
    const headers = withKey(caseHandler, 'race-1');
    const mark = await r.mark();
    const [a, b] = await Promise.all([
      r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' }),
      r.send('POST', `/decisions/${d.decisionId}/choice`, headers, { providerId: 'omsorg-a' }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json()).toEqual(b.json());
    expect(await r.subjectsSince(mark)).toEqual(['kundval.orders.provider.chosen.v1']);
  });

  it.each([
    ['with a space', 'two words'],
    ['longer than 200 characters', 'k'.repeat(201)],
    ['empty', ''],
  ])('refuses a key %s with 400 naming headers.idempotency-key, storing nothing', async (_, key) => {
    const d = await seedDecision(svc.db);
    await r.refused('POST', `/decisions/${d.decisionId}/choice`, withKey(caseHandler, key), { providerId: 'omsorg-a' }, 400, 'VALIDATION', 'headers.idempotency-key');
  });

  it('is declared on every command of the service (OpenAPI)', () => {
    const doc = (svc.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> } }).swagger();
    const commands = Object.entries(doc.paths).flatMap(([path, ops]) => (ops['post'] ? [[path, ops['post']] as const] : []));
    expect(commands.length).toBeGreaterThanOrEqual(14);
    for (const [path, op] of commands) {
      expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), path).toBe(true);
    }
  });
});
