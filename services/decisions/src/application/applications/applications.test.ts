import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { testIdentityNumber } from '../../test-support/decisions-service.js';
import { inUseCase, openDecisionsStore, queryAs, USE_CASE_NOW } from '../../test-support/use-cases.js';
import { decideApplication } from './decide-application.js';
import { readApplication } from './read-application.js';
import { recordAssessment } from './record-assessment.js';
import { checkApplication, registerApplication } from './register-application.js';

const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };

// The application use cases of the decisions service, run straight against the database: no app, no HTTP.
describe.each(testEngines())('application use cases on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openDecisionsStore>>;
  beforeAll(async () => {
    store = await openDecisionsStore(engine, 'decisions_use_cases');
  });
  afterAll(() => store?.close());

  const register = (n: number, areaId = 'home-care') =>
    inUseCase(store.db, caseHandler, (ctx) => registerApplication(ctx, { ...checkApplication({ identityNumber: testIdentityNumber(n), areaId }, ctx.today), channel: 'citizen' }));

  it('refuses an identity number that is not one before anything is written, naming the field', () => {
    expect(() => checkApplication({ identityNumber: '19450515-0000', areaId: 'home-care' }, '2026-01-20')).toThrow(
      expect.objectContaining({ kind: 'invalid', details: { field: 'body.identityNumber' } }),
    );
  });

  it('registers an application under a pseudonymous customer, the same for the same person, and returns applicationReceived without the identity number', async () => {
    const outboxBefore = (await tableCounts(store.db))['outbox'];
    const first = await register(1);
    const again = await register(1);
    expect(first.created).toBe(true);
    expect(first.result).toMatchObject({ areaId: 'home-care', municipality: 'nacka', channel: 'citizen', status: 'received', onBehalfOf: null, receivedAt: USE_CASE_NOW.toISOString() });
    expect(again.result.customerId).toBe(first.result.customerId);
    expect(again.result.applicationId).not.toBe(first.result.applicationId);
    expect(first.events).toEqual([
      {
        name: 'applicationReceived',
        payload: { applicationId: first.result.applicationId, customerId: first.result.customerId, areaId: 'home-care', municipality: 'nacka', channel: 'citizen', receivedAt: USE_CASE_NOW.toISOString() },
      },
    ]);
    expect(JSON.stringify(first.events)).not.toContain(testIdentityNumber(1).replace('-', '').slice(2));
    expect((await tableCounts(store.db))['outbox']).toBe(outboxBefore);
  });

  it('records one assessment per application with assessmentRecorded, then refuses another with DECISIONS.ALREADY_ASSESSED', async () => {
    const { result: application } = await register(2);
    const assessment = { lifeAreas: [{ area: 'self-care', need: 'Help with dressing' }], instruments: [], assessedOn: '2026-01-15' };
    const outcome = await inUseCase(store.db, caseHandler, (ctx) => recordAssessment(ctx, { applicationId: application.applicationId, ...assessment }));
    expect(outcome.result).toEqual({ assessmentId: expect.any(String), applicationId: application.applicationId, assessedOn: '2026-01-15' });
    expect(outcome.events).toEqual([
      { name: 'assessmentRecorded', payload: { applicationId: application.applicationId, customerId: application.customerId, assessmentId: outcome.result.assessmentId, lifeAreas: ['self-care'] } },
    ]);
    await expect(inUseCase(store.db, caseHandler, (ctx) => recordAssessment(ctx, { applicationId: application.applicationId, ...assessment }))).rejects.toMatchObject({
      kind: 'conflict',
      code: 'DECISIONS.ALREADY_ASSESSED',
    });
  });

  it('refuses to decide a home-care application before its assessment (DECISIONS.NOT_ASSESSED)', async () => {
    const { result: application } = await register(3);
    const grant = { outcome: 'granted' as const, careHoursPerMonth: 10, serviceHoursPerMonth: 4, validFrom: '2026-02-01', validTo: '2026-07-31' };
    await expect(inUseCase(store.db, caseHandler, (ctx) => decideApplication(ctx, { applicationId: application.applicationId, ...grant }))).rejects.toMatchObject({
      code: 'DECISIONS.NOT_ASSESSED',
    });
  });

  it("lets a citizen read their own application and not another's", async () => {
    const { result: application } = await register(4);
    expect(await readApplication(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: application.customerId }), application)).toEqual(application);
    await expect(readApplication(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: 'someone-else' }), application)).rejects.toMatchObject({ kind: 'not-found', code: 'DECISIONS.APPLICATION_NOT_FOUND' });
  });

  it("lets a case handler with a municipality claim read that municipality's applications only: another's is not found", async () => {
    const { result: application } = await register(5);
    const municipality = (await store.db.selectFrom('applications').select('municipality').where('application_id', '=', application.applicationId).executeTakeFirstOrThrow()).municipality;
    expect(await readApplication(queryAs(store.db, { sub: 'h', role: 'case-handler', municipality }), application)).toEqual(application);
    await expect(readApplication(queryAs(store.db, { sub: 'h', role: 'case-handler', municipality: 'not-' + municipality }), application)).rejects.toMatchObject({ kind: 'not-found', code: 'DECISIONS.APPLICATION_NOT_FOUND' });
  });
});
