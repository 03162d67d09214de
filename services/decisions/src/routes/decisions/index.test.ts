import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { HOME_CARE_GRANT, caseHandlerSteps, issuesOf, startDecisions, type DecisionJson, type TestDecisions } from '../../test-support/decisions-service.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const change = { effectiveFrom: '2026-04-01', careHoursPerMonth: 14, serviceHoursPerMonth: 4, validTo: '2026-07-31', reason: 'Needs help in the evening too after a fall.' };

describe.each(testEngines())('changed, ended and expired decisions on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let system: Record<string, string>;
  let steps: ReturnType<typeof caseHandlerSteps>;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_lifecycle');
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system', sub: 'journey-worker' });
    steps = caseHandlerSteps(svc, caseHandler);
  });
  afterAll(() => svc?.close());

  const post = (url: string, payload?: Record<string, unknown>, headers = caseHandler) => svc.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const read = async (decisionId: string) => (await svc.app.inject({ method: 'GET', url: `/decisions/${decisionId}`, headers: caseHandler })).json<DecisionJson>();
  const eventsSince = async (n: number) => (await svc.outbox()).slice(n);

  describe('changes (omprövning)', () => {
    it('stores a new version, answers the decision as it now stands with its history, and emits decisionChanged', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const outbox = (await svc.outbox()).length;
      const res = await post(`/decisions/${decision.decisionId}/changes`, change);
      expect(res.statusCode, res.body).toBe(201);
      const changed = res.json<DecisionJson>();
      expect(changed).toMatchObject({ careHoursPerMonth: 14, version: 2, effectiveFrom: '2026-04-01', validFrom: '2026-02-01', validTo: '2026-07-31' });
      expect(changed.history.map((v) => [v.version, v.kind, v.effectiveFrom, v.careHoursPerMonth])).toEqual([
        [1, 'decided', '2026-02-01', 10],
        [2, 'change', '2026-04-01', 14],
      ]);
      expect(await read(decision.decisionId)).toEqual(changed);
      const [event] = await eventsSince(outbox);
      expect(event).toEqual({
        subject: 'kundval.decisions.decision.changed.v1',
        payload: {
          changeId: expect.any(String),
          applicationId: decision.applicationId,
          decisionId: decision.decisionId,
          customerId: decision.customerId,
          effectiveFrom: '2026-04-01',
          careHoursPerMonth: 14,
          serviceHoursPerMonth: 4,
          validTo: '2026-07-31',
          level: null,
        },
      });
    });

    it('calls a change that moves the end later a renewal', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const res = await post(`/decisions/${decision.decisionId}/changes`, { ...change, effectiveFrom: '2026-07-01', careHoursPerMonth: 10, validTo: '2027-01-31', reason: 'Renewed for six months.' });
      expect(res.statusCode).toBe(201);
      expect(res.json<DecisionJson>()).toMatchObject({ validTo: '2027-01-31', history: [{ kind: 'decided' }, { kind: 'renewal', reason: 'Renewed for six months.' }] });
    });

    it('changes a nursing home level through new care-need points, and keeps the level when only the end moves', async () => {
      const decision = await steps.decided('nursing-home', { outcome: 'granted', careNeedPoints: 7, validFrom: '2026-02-01', validTo: '2026-12-31' });
      expect(decision.level).toBe(2);
      const outbox = (await svc.outbox()).length;
      const raised = await post(`/decisions/${decision.decisionId}/changes`, { effectiveFrom: '2026-05-01', careNeedPoints: 16, validTo: '2026-12-31', reason: 'Dementia progressed.' });
      expect(raised.json()).toMatchObject({ level: 5, careNeedPoints: 16 });
      expect((await eventsSince(outbox))[0]!.payload).toMatchObject({ level: 5, careHoursPerMonth: 0 });
      const renewed = await post(`/decisions/${decision.decisionId}/changes`, { effectiveFrom: '2026-12-01', validTo: '2027-12-31', reason: 'Renewed.' });
      expect(renewed.json()).toMatchObject({ level: 5, careNeedPoints: 16, validTo: '2027-12-31', version: 3 });
    });

    it('treats the same change sent again as done (200), without a new version or event', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${decision.decisionId}/changes`, change);
      const before = await tableCounts(svc.db);
      const again = await post(`/decisions/${decision.decisionId}/changes`, change);
      expect(again.statusCode).toBe(200);
      expect(again.json().version).toBe(2);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it.each([
      [{ effectiveFrom: '2026-01-31' }, 'DECISIONS.CHANGE_BEFORE_START'],
      [{ effectiveFrom: '2026-08-01', validTo: '2026-12-31' }, 'DECISIONS.CHANGE_AFTER_END'],
    ])('refuses a change %j with 409 %s, storing nothing', async (overrides, code) => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const before = await tableCounts(svc.db);
      const res = await post(`/decisions/${decision.decisionId}/changes`, { ...change, ...overrides });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe(code);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses to change a denial or an ended decision (409)', async () => {
      const denied = await steps.decided('home-care', { outcome: 'denied', careHoursPerMonth: 0, serviceHoursPerMonth: 0, validFrom: '2026-02-01', validTo: '2026-02-28', denialReason: 'No need found.' });
      expect((await post(`/decisions/${denied.decisionId}/changes`, { ...change, effectiveFrom: '2026-02-10', validTo: '2026-02-28' })).json().error).toBe('DECISIONS.DECISION_DENIED');
      const ended = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${ended.decisionId}/end`, { endDate: '2026-03-31', reason: 'moved' });
      const res = await post(`/decisions/${ended.decisionId}/changes`, change);
      expect([res.statusCode, res.json().error]).toEqual([409, 'DECISIONS.DECISION_ENDED']);
    });

    it.each([
      ['home-care', { ...change, level: 2 }, 'body.level'],
      ['home-care', { ...change, careHoursPerMonth: undefined }, 'body.careHoursPerMonth'],
      ['home-care', { ...change, careHoursPerMonth: 0, serviceHoursPerMonth: 0 }, 'body.careHoursPerMonth'],
      ['home-care', { ...change, validTo: '2026-03-31' }, 'body.validTo'],
      ['home-care', { ...change, reason: '' }, 'body.reason'],
      ['home-care', { ...change, effectiveFrom: '2026-13-01' }, 'body.effectiveFrom'],
      ['day-activities', { effectiveFrom: '2026-04-01', validTo: '2026-12-31', careHoursPerMonth: 3, reason: 'x' }, 'body.careHoursPerMonth'],
      ['day-activities', { effectiveFrom: '2026-04-01', validTo: '2026-12-31', level: 9, reason: 'x' }, 'body.level'],
      ['nursing-home', { effectiveFrom: '2026-04-01', validTo: '2026-12-31', level: 3, reason: 'x' }, 'body.level'],
      ['nursing-home', { effectiveFrom: '2026-04-01', validTo: '2026-12-31', careNeedPoints: 30, reason: 'x' }, 'body.careNeedPoints'],
    ])('refuses a %s change %j with 400 naming %s, storing nothing', async (areaId, payload, field) => {
      const grants: Record<string, Record<string, unknown>> = {
        'home-care': HOME_CARE_GRANT,
        'day-activities': { outcome: 'granted', level: 1, daysPerWeek: 2, validFrom: '2026-02-01', validTo: '2026-12-31' },
        'nursing-home': { outcome: 'granted', careNeedPoints: 7, validFrom: '2026-02-01', validTo: '2026-12-31' },
      };
      const decision = await steps.decided(areaId, grants[areaId]!);
      const before = await tableCounts(svc.db);
      const res = await post(`/decisions/${decision.decisionId}/changes`, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(issuesOf(res.body)).toHaveProperty([field]);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers a retried change with the same Idempotency-Key with the first answer, and a different one with 422', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const headers = { ...caseHandler, 'idempotency-key': `change-${decision.decisionId}` };
      const first = await post(`/decisions/${decision.decisionId}/changes`, change, headers);
      // A later change by someone else would make the same request a real change again; the key still answers the first.
      await post(`/decisions/${decision.decisionId}/changes`, { ...change, careHoursPerMonth: 20 });
      const before = await tableCounts(svc.db);
      const retry = await post(`/decisions/${decision.decisionId}/changes`, change, headers);
      expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
      expect(retry.body).toBe(first.body);
      expect(await tableCounts(svc.db)).toEqual(before);
      const reused = await post(`/decisions/${decision.decisionId}/changes`, { ...change, careHoursPerMonth: 30 }, headers);
      expect([reused.statusCode, reused.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    });
  });

  describe('ends', () => {
    it('ends a decision and emits decisionEnded; the same end again changes nothing', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const outbox = (await svc.outbox()).length;
      const res = await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-04-15', reason: 'moved' });
      expect(res.statusCode).toBe(200);
      expect(res.json().ended).toEqual({ endDate: '2026-04-15', reason: 'moved' });
      expect(await eventsSince(outbox)).toEqual([
        {
          subject: 'kundval.decisions.decision.ended.v1',
          payload: { applicationId: decision.applicationId, decisionId: decision.decisionId, customerId: decision.customerId, reason: 'moved', endDate: '2026-04-15' },
        },
      ]);
      const before = await tableCounts(svc.db);
      const again = await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-04-15', reason: 'moved' });
      expect(again.statusCode).toBe(200);
      expect(await tableCounts(svc.db)).toEqual(before);
      expect((await read(decision.decisionId)).ended).toEqual({ endDate: '2026-04-15', reason: 'moved' });
    });

    it.each([
      [{ endDate: '2026-04-16', reason: 'moved' }],
      [{ endDate: '2026-04-15', reason: 'deceased' }],
    ])('refuses a second, different end %j with 409 DECISIONS.ALREADY_ENDED', async (second) => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-04-15', reason: 'moved' });
      const before = await tableCounts(svc.db);
      const res = await post(`/decisions/${decision.decisionId}/end`, second);
      expect([res.statusCode, res.json().error]).toEqual([409, 'DECISIONS.ALREADY_ENDED']);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('lets a decision withdrawn before it started end the day before its first day, and no earlier or later than it runs', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      expect((await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-01-30', reason: 'withdrawn' })).json().error).toBe('DECISIONS.END_OUTSIDE_VALIDITY');
      expect((await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-08-01', reason: 'withdrawn' })).json().error).toBe('DECISIONS.END_OUTSIDE_VALIDITY');
      expect((await post(`/decisions/${decision.decisionId}/end`, { endDate: '2026-01-31', reason: 'withdrawn' })).statusCode).toBe(200);
    });

    it.each([
      [{ endDate: '2026-04-15', reason: 'expired' }, 'body.reason'],
      [{ endDate: '2026-04-31', reason: 'moved' }, 'body.endDate'],
      [{ reason: 'moved' }, 'body.endDate'],
    ])('refuses an end %j with 400 naming %s', async (payload, field) => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const before = await tableCounts(svc.db);
      const res = await post(`/decisions/${decision.decisionId}/end`, payload);
      expect(res.statusCode).toBe(400);
      expect(issuesOf(res.body)).toHaveProperty([field]);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  describe('expiry', () => {
    it('expires a decision on its last valid day for the journey, once', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      const outbox = (await svc.outbox()).length;
      const res = await post(`/decisions/${decision.decisionId}/expire`, undefined, system);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().ended).toEqual({ endDate: '2026-07-31', reason: 'expired' });
      expect((await eventsSince(outbox)).map((e) => [e.subject, e.payload['reason'], e.payload['endDate']])).toEqual([['kundval.decisions.decision.ended.v1', 'expired', '2026-07-31']]);
      const before = await tableCounts(svc.db);
      const again = await post(`/decisions/${decision.decisionId}/expire`, undefined, system);
      expect(again.statusCode).toBe(200);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('expires at the end a renewal set, and answers a decision already ended otherwise as it stands', async () => {
      const renewed = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${renewed.decisionId}/changes`, { ...change, validTo: '2026-12-31' });
      expect((await post(`/decisions/${renewed.decisionId}/expire`, undefined, system)).json().ended).toEqual({ endDate: '2026-12-31', reason: 'expired' });

      const moved = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${moved.decisionId}/end`, { endDate: '2026-03-31', reason: 'moved' });
      const before = await tableCounts(svc.db);
      const res = await post(`/decisions/${moved.decisionId}/expire`, undefined, system);
      expect(res.statusCode).toBe(200);
      expect(res.json().ended).toEqual({ endDate: '2026-03-31', reason: 'moved' });
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('refuses to expire a decision renewed since the caller looked (409 DECISIONS.VALIDITY_CHANGED)', async () => {
      const decision = await steps.decided('home-care', HOME_CARE_GRANT);
      await post(`/decisions/${decision.decisionId}/changes`, { ...change, validTo: '2026-12-31' });
      const res = await post(`/decisions/${decision.decisionId}/expire`, { expectedValidTo: '2026-07-31' }, system);
      expect([res.statusCode, res.json().error]).toEqual([409, 'DECISIONS.VALIDITY_CHANGED']);
      expect((await read(decision.decisionId)).ended).toBeNull();
    });
  });

  it('answers 404 for an unknown decision on every route', async () => {
    expect((await svc.app.inject({ method: 'GET', url: `/decisions/${UNKNOWN}`, headers: caseHandler })).statusCode).toBe(404);
    expect((await post(`/decisions/${UNKNOWN}/changes`, change)).json().error).toBe('DECISIONS.DECISION_NOT_FOUND');
    expect((await post(`/decisions/${UNKNOWN}/end`, { endDate: '2026-04-15', reason: 'moved' })).statusCode).toBe(404);
    expect((await post(`/decisions/${UNKNOWN}/expire`, undefined, system)).statusCode).toBe(404);
  });

  it('answers 401 without a token and 403 for the wrong role, changing nothing', async () => {
    const decision = await steps.decided('home-care', HOME_CARE_GRANT);
    const operator = await svc.as({ role: 'operator' });
    const before = await tableCounts(svc.db);
    const calls: Array<[string, Record<string, unknown> | undefined, Record<string, string>, number]> = [
      [`/decisions/${decision.decisionId}/changes`, change, {}, 401],
      [`/decisions/${decision.decisionId}/changes`, change, system, 403],
      [`/decisions/${decision.decisionId}/end`, { endDate: '2026-04-15', reason: 'moved' }, operator, 403],
      [`/decisions/${decision.decisionId}/end`, { endDate: '2026-04-15', reason: 'moved' }, {}, 401],
      // Expiry is the journey's: a case handler ends a decision instead.
      [`/decisions/${decision.decisionId}/expire`, undefined, caseHandler, 403],
    ];
    for (const [url, payload, headers, status] of calls) expect((await post(url, payload, headers)).statusCode, url).toBe(status);
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});
