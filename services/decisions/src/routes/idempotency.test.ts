import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, startDecisions, testIdentityNumber, type TestDecisions } from '../test-support/decisions-service.js';

describe.each(testEngines())('decisions commands with an Idempotency-Key on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let system: Record<string, string>;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_idempotency');
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system', sub: 'journey-worker' });
  });
  afterAll(() => svc?.close());

  const post = (url: string, headers: Record<string, string>, key: string | null, payload?: Record<string, unknown>) =>
    svc.app.inject({ method: 'POST', url, headers: { ...headers, ...(key === null ? {} : { 'idempotency-key': key }) }, ...(payload ? { payload } : {}) });

  describe('the journey escalates: POST /tasks', () => {
    it('answers the retry with the first 201 and body, changing nothing (unkeyed, the repeat is a 200)', async () => {
      const { applicationId } = await caseHandlerSteps(svc, caseHandler).apply('home-care', testIdentityNumber(401));
      const task = { applicationId, kind: 'acceptance-overdue', key: 'order-1', message: 'The provider has not accepted order 1.' };
      const key = `journey-${applicationId}:escalate:acceptance-overdue:order-1`;
      const first = await post('/tasks', system, key, task);
      expect(first.statusCode).toBe(201);
      const before = await tableCounts(svc.db);
      const retry = await post('/tasks', system, key, task);
      expect([retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
      expect(await tableCounts(svc.db)).toEqual(before);
      const unkeyed = await post('/tasks', system, null, task);
      expect([unkeyed.statusCode, unkeyed.json().taskId]).toEqual([200, first.json().taskId]);
    });

    it('refuses the key with another body with 422 naming the key, changing nothing', async () => {
      const { applicationId } = await caseHandlerSteps(svc, caseHandler).apply('home-care', testIdentityNumber(402));
      const task = { applicationId, kind: 'approval-overdue', key: '2026-03', message: 'March is not approved.' };
      await post('/tasks', system, 'task-key-402', task);
      const before = await tableCounts(svc.db);
      const reused = await post('/tasks', system, 'task-key-402', { ...task, key: '2026-04' });
      expect([reused.statusCode, reused.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
      expect(reused.json().message).toBe('The Idempotency-Key "task-key-402" was used for a different request to POST /tasks; send a new key for a new command.');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('keeps no 404 for an application not heard of yet, so the retry with the key is judged afresh', async () => {
      const task = { applicationId: '00000000-0000-4000-8000-00000000a404', kind: 'dispute', key: '2026-03', message: 'Disputed.' };
      const before = await tableCounts(svc.db);
      const refused = await post('/tasks', system, 'task-key-404', task);
      expect([refused.statusCode, refused.json().error]).toEqual([404, 'DECISIONS.APPLICATION_NOT_FOUND']);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('the journey expires a decision: POST /decisions/:id/expire', () => {
    it('answers the retry with the first 200 and body, changing nothing', async () => {
      const decision = await caseHandlerSteps(svc, caseHandler).decided('home-care', HOME_CARE_GRANT, testIdentityNumber(403));
      const url = `/decisions/${decision.decisionId}/expire`;
      const key = `journey-${decision.applicationId}:expire:${decision.validTo}`;
      const first = await post(url, system, key);
      expect([first.statusCode, first.json().ended]).toEqual([200, { endDate: '2026-07-31', reason: 'expired' }]);
      const before = await tableCounts(svc.db);
      const retry = await post(url, system, key);
      expect([retry.statusCode, retry.body, retry.headers['idempotent-replayed']]).toEqual([200, first.body, 'true']);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses the key with another body with 422 naming the key, changing nothing', async () => {
      const decision = await caseHandlerSteps(svc, caseHandler).decided('home-care', HOME_CARE_GRANT, testIdentityNumber(404));
      const url = `/decisions/${decision.decisionId}/expire`;
      await post(url, system, 'expire-key-404');
      const before = await tableCounts(svc.db);
      const reused = await post(url, system, 'expire-key-404', { expectedValidTo: '2026-07-31' });
      expect([reused.statusCode, reused.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
      expect(reused.json().message).toContain('"expire-key-404"');
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('keeps no 409 (a renewal the journey has not seen yet), so the retry with the key is judged afresh', async () => {
      const decision = await caseHandlerSteps(svc, caseHandler).decided('home-care', HOME_CARE_GRANT, testIdentityNumber(405));
      const url = `/decisions/${decision.decisionId}/expire`;
      const before = await tableCounts(svc.db);
      const refused = await post(url, system, 'expire-key-405', { expectedValidTo: '2026-06-30' });
      expect([refused.statusCode, refused.json().error]).toEqual([409, 'DECISIONS.VALIDITY_CHANGED']);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  it('does a command once when its retries arrive at the same time, and answers each with the one result', async () => {
    const headers = { ...caseHandler, 'idempotency-key': 'concurrent-key-0001' };
    const payload = { identityNumber: testIdentityNumber(301), areaId: 'home-care', channel: 'citizen' };
    const before = await tableCounts(svc.db);
    const answers = await Promise.all(Array.from({ length: 5 }, () => svc.app.inject({ method: 'POST', url: '/applications', headers, payload })));
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect((await tableCounts(svc.db))['applications']).toBe(before['applications']! + 1);
  });

  it('stores no key for a refused command (409), so the same request runs once the refusal is resolved', async () => {
    const steps = caseHandlerSteps(svc, caseHandler);
    const { applicationId } = await steps.apply('home-care', testIdentityNumber(302));
    const decide = () => post(`/applications/${applicationId}/decision`, caseHandler, 'refused-key-0001', HOME_CARE_GRANT);
    const refused = await decide();
    expect([refused.statusCode, refused.json().error]).toEqual([409, 'DECISIONS.NOT_ASSESSED']);
    await steps.assess(applicationId);
    expect((await decide()).statusCode).toBe(201);
  });

  it('keeps a definite refusal of the terms (400) and replays it', async () => {
    const steps = caseHandlerSteps(svc, caseHandler);
    const { applicationId } = await steps.apply('home-care', testIdentityNumber(306));
    await steps.assess(applicationId);
    const decide = () => post(`/applications/${applicationId}/decision`, caseHandler, 'invalid-terms-0001', { ...HOME_CARE_GRANT, careHoursPerMonth: 0, serviceHoursPerMonth: 0 });
    const refused = await decide();
    expect([refused.statusCode, refused.json().error]).toEqual([400, 'VALIDATION']);
    const again = await decide();
    expect([again.statusCode, again.body, again.headers['idempotent-replayed']]).toEqual([400, refused.body, 'true']);
  });

  it('refuses a malformed key with 400 naming the header', async () => {
    const res = await post('/applications', caseHandler, 'two words', { identityNumber: testIdentityNumber(303), areaId: 'home-care', channel: 'citizen' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { field: string }) => i.field)).toContain('headers.idempotency-key');
  });

  it('declares the header on every command of the service (OpenAPI)', () => {
    const doc = (svc.app as unknown as { swagger(): { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> } }).swagger();
    const commands = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => ['post', 'put', 'patch'].includes(m)).map(([m, op]) => [`${m} ${path}`, op] as const));
    expect(commands).toHaveLength(11);
    for (const [name, op] of commands) expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), name).toBe(true);
  });
});
