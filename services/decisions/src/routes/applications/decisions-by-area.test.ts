import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { ASSESSMENT, HOME_CARE_GRANT, caseHandlerSteps, issuesOf, startDecisions, testIdentityNumber, type TestDecisions } from '../../test-support/decisions-service.js';

const DAY_ACTIVITIES_GRANT = { outcome: 'granted', level: 2, daysPerWeek: 3, validFrom: '2026-02-01', validTo: '2026-12-31' };
const NURSING_HOME_GRANT = { outcome: 'granted', careNeedPoints: 13, validFrom: '2026-02-01', validTo: '2027-01-31' };

describe.each(testEngines())('decisions by voucher area on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let steps: ReturnType<typeof caseHandlerSteps>;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_by_area');
    caseHandler = await svc.as({ role: 'case-handler' });
    steps = caseHandlerSteps(svc, caseHandler);
  });
  afterAll(() => svc?.close());

  const lastEvent = async () => (await svc.outbox()).at(-1)!;

  it('grants day activities by level and days per week without an assessment, and puts the level in decisionMade', async () => {
    const decision = await steps.decided('day-activities', DAY_ACTIVITIES_GRANT);
    expect(decision).toMatchObject({ outcome: 'granted', level: 2, daysPerWeek: 3, careHoursPerMonth: 0, serviceHoursPerMonth: 0, version: 1, ended: null });
    expect(await lastEvent()).toEqual({
      subject: 'kundval.decisions.decision.made.v1',
      payload: expect.objectContaining({ decisionId: decision.decisionId, areaId: 'day-activities', level: 2, decidingMunicipality: null, careHoursPerMonth: 0 }),
    });
  });

  it("grants a nursing home place by care-need points, at the level the area's mapping gives them (13 points: level 4)", async () => {
    const decision = await steps.decided('nursing-home', NURSING_HOME_GRANT);
    expect(decision).toMatchObject({ careNeedPoints: 13, level: 4, daysPerWeek: null });
    expect((await lastEvent()).payload).toMatchObject({ level: 4 });
  });

  it('accepts a stated level that agrees with the care-need points', async () => {
    const decision = await steps.decided('nursing-home', { ...NURSING_HOME_GRANT, careNeedPoints: 24, level: 8 });
    expect(decision.level).toBe(8);
  });

  it('gives home care no level, in the decision and in decisionMade', async () => {
    const decision = await steps.decided('home-care', HOME_CARE_GRANT);
    expect(decision).toMatchObject({ level: null, careHoursPerMonth: 10 });
    expect((await lastEvent()).payload).toMatchObject({ level: null, careHoursPerMonth: 10, serviceHoursPerMonth: 4 });
  });

  it('partly grants home care naming the part denied and why, with appeal information, and the reason in decisionMade', async () => {
    const decision = await steps.decided('home-care', {
      ...HOME_CARE_GRANT,
      outcome: 'partly-granted',
      deniedPart: 'Evening visits for company',
      denialReason: 'The need of company is met by the day activity.',
    });
    expect(decision).toMatchObject({ outcome: 'partly-granted', deniedPart: 'Evening visits for company', appealInformation: expect.stringMatching(/appeal/) });
    expect((await lastEvent()).payload).toMatchObject({ outcome: 'partly-granted', denialReason: 'The need of company is met by the day activity.' });
  });

  it('denies day activities without a level, with appeal information', async () => {
    const decision = await steps.decided('day-activities', { outcome: 'denied', validFrom: '2026-02-01', validTo: '2026-02-28', denialReason: 'Lives outside the municipality.' });
    expect(decision).toMatchObject({ outcome: 'denied', level: null, daysPerWeek: null, appealInformation: expect.stringMatching(/appeal/) });
  });

  it.each([
    ['home-care', { ...HOME_CARE_GRANT, level: 2 }, 'body.level'],
    ['home-care', { ...HOME_CARE_GRANT, serviceHoursPerMonth: undefined }, 'body.serviceHoursPerMonth'],
    ['home-care', { ...HOME_CARE_GRANT, daysPerWeek: 2 }, 'body.daysPerWeek'],
    ['home-care', { ...HOME_CARE_GRANT, outcome: 'partly-granted', denialReason: 'Not needed' }, 'body.deniedPart'],
    ['home-care', { ...HOME_CARE_GRANT, outcome: 'partly-granted', deniedPart: 'Evening visits' }, 'body.denialReason'],
    ['home-care', { ...HOME_CARE_GRANT, denialReason: 'Nothing' }, 'body.denialReason'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, careHoursPerMonth: 10 }, 'body.careHoursPerMonth'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, level: undefined }, 'body.level'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, level: 4 }, 'body.level'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, level: 1.5 }, 'body.level'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, daysPerWeek: undefined }, 'body.daysPerWeek'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, daysPerWeek: 8 }, 'body.daysPerWeek'],
    ['day-activities', { ...DAY_ACTIVITIES_GRANT, careNeedPoints: 10 }, 'body.careNeedPoints'],
    ['day-activities', { outcome: 'denied', level: 1, validFrom: '2026-02-01', validTo: '2026-02-28', denialReason: 'No' }, 'body.level'],
    ['nursing-home', { ...NURSING_HOME_GRANT, careNeedPoints: undefined }, 'body.careNeedPoints'],
    ['nursing-home', { ...NURSING_HOME_GRANT, careNeedPoints: 25 }, 'body.careNeedPoints'],
    ['nursing-home', { ...NURSING_HOME_GRANT, careNeedPoints: 2 }, 'body.careNeedPoints'],
    ['nursing-home', { ...NURSING_HOME_GRANT, level: 2 }, 'body.level'],
    ['nursing-home', { ...NURSING_HOME_GRANT, daysPerWeek: 5 }, 'body.daysPerWeek'],
    ['nursing-home', { ...NURSING_HOME_GRANT, serviceHoursPerMonth: 4 }, 'body.serviceHoursPerMonth'],
  ])('refuses a %s decision %j with 400 naming %s, and stores nothing', async (areaId, payload, field) => {
    const { applicationId } = await steps.apply(areaId);
    if (areaId !== 'day-activities') await steps.assess(applicationId);
    const before = await tableCounts(svc.db);
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: caseHandler, payload });
    expect(res.statusCode, res.body).toBe(400);
    expect(issuesOf(res.body)).toHaveProperty([field]);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('names every refused field at once', async () => {
    const { applicationId } = await steps.apply('day-activities');
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: caseHandler, payload: { outcome: 'granted', careHoursPerMonth: 5, validFrom: '2026-02-01', validTo: '2026-03-01' } });
    expect(Object.keys(issuesOf(res.body)).sort()).toEqual(['body.careHoursPerMonth', 'body.daysPerWeek', 'body.level']);
  });

  it('registers who applied on behalf of the customer, and keeps it out of the event', async () => {
    const onBehalfOf = { name: 'Karin Andersson', relation: 'daughter' };
    const res = await svc.app.inject({ method: 'POST', url: '/applications', headers: caseHandler, payload: { identityNumber: testIdentityNumber(2), areaId: 'home-care', channel: 'relative', onBehalfOf } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ channel: 'relative', onBehalfOf });
    const read = await svc.app.inject({ method: 'GET', url: `/applications/${res.json().applicationId}`, headers: caseHandler });
    expect(read.json().onBehalfOf).toEqual(onBehalfOf);
    const event = await lastEvent();
    expect(event.subject).toBe('kundval.decisions.application.received.v1');
    expect(JSON.stringify(event)).not.toMatch(/Karin|daughter/);
  });

  it.each([
    [{ channel: 'relative', onBehalfOf: { name: 'Karin 19400515-0016', relation: 'daughter' } }, 'body.onBehalfOf.name'],
    [{ channel: 'relative', onBehalfOf: { name: 'Karin', relation: '' } }, 'body.onBehalfOf.relation'],
    [{ channel: 'citizen', onBehalfOf: { name: 'Karin', relation: 'daughter' } }, 'body.onBehalfOf'],
  ])('refuses an application on behalf %j with 400 naming %s, and stores nothing', async (extra, field) => {
    const before = await tableCounts(svc.db);
    const res = await svc.app.inject({ method: 'POST', url: '/applications', headers: caseHandler, payload: { identityNumber: testIdentityNumber(3), areaId: 'home-care', ...extra } });
    expect(res.statusCode).toBe(400);
    expect(issuesOf(res.body)).toHaveProperty([field]);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('answers a retried assessment and decision with the same Idempotency-Key with the first answer, changing nothing', async () => {
    const { applicationId } = await steps.apply();
    const headers = (key: string) => ({ ...caseHandler, 'idempotency-key': key });
    const assessed = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: headers(`assess-${applicationId}`), payload: ASSESSMENT });
    const assessedAgain = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers: headers(`assess-${applicationId}`), payload: ASSESSMENT });
    expect([assessed.statusCode, assessedAgain.statusCode]).toEqual([201, 201]);
    expect(assessedAgain.json()).toEqual(assessed.json());

    const first = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: headers(`decide-${applicationId}`), payload: HOME_CARE_GRANT });
    const before = await tableCounts(svc.db);
    const retry = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: headers(`decide-${applicationId}`), payload: HOME_CARE_GRANT });
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(retry.json()).toEqual(first.json());
    expect(await tableCounts(svc.db)).toEqual(before);
    // Without the key, the same request is a second decision and is refused.
    const again = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers: caseHandler, payload: HOME_CARE_GRANT });
    expect(again.json().error).toBe('DECISIONS.ALREADY_DECIDED');
  });

  it('refuses an Idempotency-Key reused for a different request with 422 naming the key, storing nothing', async () => {
    const { applicationId } = await steps.apply();
    await steps.assess(applicationId);
    const headers = { ...caseHandler, 'idempotency-key': `reuse-${applicationId}` };
    await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers, payload: HOME_CARE_GRANT });
    const before = await tableCounts(svc.db);
    const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers, payload: { ...HOME_CARE_GRANT, careHoursPerMonth: 12 } });
    expect([res.statusCode, res.json().error]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    expect(res.json().message).toContain(`"reuse-${applicationId}"`);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('keeps Idempotency-Keys apart per caller: the same key from another case handler is a new command', async () => {
    const other = await svc.as({ role: 'case-handler', sub: 'handlaggare-2' });
    const payload = { identityNumber: testIdentityNumber(4), areaId: 'home-care', channel: 'citizen' };
    const a = await svc.app.inject({ method: 'POST', url: '/applications', headers: { ...caseHandler, 'idempotency-key': 'shared-key-0001' }, payload });
    const b = await svc.app.inject({ method: 'POST', url: '/applications', headers: { ...other, 'idempotency-key': 'shared-key-0001' }, payload });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().applicationId).not.toBe(b.json().applicationId);
  });
});
