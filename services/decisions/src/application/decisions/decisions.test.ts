import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { MessagingTables } from '@kundval/platform';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { testIdentityNumber } from '../../test-support/decisions-service.js';
import { inUseCase, openDecisionsStore, queryAs } from '../../test-support/use-cases.js';
import { decideApplication } from '../applications/decide-application.js';
import { recordAssessment } from '../applications/record-assessment.js';
import { checkApplication, registerApplication } from '../applications/register-application.js';
import { changeDecisionTerms } from './change-decision.js';
import { endDecisionEarly, expireDecision } from './end-decision.js';
import { readDecision } from './read-decision.js';

const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };
const system: Principal = { sub: 'journey-worker', role: 'system' };
const GRANT = { outcome: 'granted' as const, careHoursPerMonth: 10, serviceHoursPerMonth: 4, validFrom: '2026-02-01', validTo: '2026-07-31' };

// A decision's life through its use cases, straight against the database: no app, no HTTP.
describe.each(testEngines())('decision use cases on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openDecisionsStore>>;
  let n = 100;
  beforeAll(async () => {
    store = await openDecisionsStore(engine, 'decisions_lifecycle_use_cases');
  });
  afterAll(() => store?.close());

  async function granted() {
    const { result: application } = await inUseCase(store.db, caseHandler, (ctx) =>
      registerApplication(ctx, { ...checkApplication({ identityNumber: testIdentityNumber(++n), areaId: 'home-care' }, ctx.today), channel: 'citizen' }),
    );
    await inUseCase(store.db, caseHandler, (ctx) => recordAssessment(ctx, { applicationId: application.applicationId, lifeAreas: [{ area: 'self-care', need: 'Dressing' }], instruments: [], assessedOn: '2026-01-15' }));
    return (await inUseCase(store.db, caseHandler, (ctx) => decideApplication(ctx, { applicationId: application.applicationId, ...GRANT }))).result;
  }
  const subjectsFor = async (decisionId: string) =>
    (await (store.db as unknown as Kysely<MessagingTables>).selectFrom('outbox').select('envelope').orderBy('seq').execute())
      .map((r) => r.envelope)
      .filter((e) => (e.payload as { decisionId?: string }).decisionId === decisionId)
      .map((e) => e.subject);

  it('changes the terms from a day as a new version returning decisionChanged for the runner to enqueue, and takes the same terms again as no change', async () => {
    const decision = await granted();
    const change = { decisionId: decision.decisionId, effectiveFrom: '2026-04-01', validTo: '2026-07-31', careHoursPerMonth: 14, serviceHoursPerMonth: 4, reason: 'Omprövning' };
    const first = await inUseCase(store.db, caseHandler, (ctx) => changeDecisionTerms(ctx, change));
    const again = await inUseCase(store.db, caseHandler, (ctx) => changeDecisionTerms(ctx, change));
    expect(first).toMatchObject({ created: true, result: { version: 2, effectiveFrom: '2026-04-01', careHoursPerMonth: 14 } });
    expect(again).toMatchObject({ created: false, result: { version: 2 } });
    expect(first.events).toEqual([
      {
        name: 'decisionChanged',
        payload: expect.objectContaining({ decisionId: decision.decisionId, effectiveFrom: '2026-04-01', careHoursPerMonth: 14, serviceHoursPerMonth: 4, validTo: '2026-07-31' }),
      },
    ]);
    expect(again.events).toEqual([]);
    // The use cases return their events; none writes one to the outbox itself.
    expect(await subjectsFor(decision.decisionId)).toEqual([]);
  });

  it('refuses a change before the decision starts with DECISIONS.CHANGE_BEFORE_START', async () => {
    const decision = await granted();
    await expect(
      inUseCase(store.db, caseHandler, (ctx) => changeDecisionTerms(ctx, { decisionId: decision.decisionId, effectiveFrom: '2026-01-01', validTo: '2026-07-31', careHoursPerMonth: 14, serviceHoursPerMonth: 4, reason: 'x' })),
    ).rejects.toMatchObject({ code: 'DECISIONS.CHANGE_BEFORE_START' });
  });

  it('expires a decision on its last day unless it was renewed since the journey looked, and answers an ended one as it stands', async () => {
    const decision = await granted();
    await expect(inUseCase(store.db, system, (ctx) => expireDecision(ctx, { decisionId: decision.decisionId, expectedValidTo: '2026-06-30' }))).rejects.toMatchObject({
      code: 'DECISIONS.VALIDITY_CHANGED',
    });
    const expired = await inUseCase(store.db, system, (ctx) => expireDecision(ctx, { decisionId: decision.decisionId, expectedValidTo: '2026-07-31' }));
    expect(expired.result.ended).toEqual({ endDate: '2026-07-31', reason: 'expired' });
    const again = await inUseCase(store.db, system, (ctx) => expireDecision(ctx, { decisionId: decision.decisionId }));
    expect(again.result.ended).toEqual({ endDate: '2026-07-31', reason: 'expired' });
    expect(expired.events).toEqual([
      { name: 'decisionEnded', payload: { applicationId: decision.applicationId, decisionId: decision.decisionId, customerId: decision.customerId, reason: 'expired', endDate: '2026-07-31' } },
    ]);
    expect(again.events).toEqual([]);
    expect(await subjectsFor(decision.decisionId)).toEqual([]);
  });

  it('ends a decision early once; a different end afterwards is DECISIONS.ALREADY_ENDED; a citizen reads only their own', async () => {
    const decision = await granted();
    const ended = await inUseCase(store.db, caseHandler, (ctx) => endDecisionEarly(ctx, { decisionId: decision.decisionId, endDate: '2026-03-31', reason: 'moved' }));
    expect(ended.result.ended).toEqual({ endDate: '2026-03-31', reason: 'moved' });
    await expect(inUseCase(store.db, caseHandler, (ctx) => endDecisionEarly(ctx, { decisionId: decision.decisionId, endDate: '2026-04-30', reason: 'moved' }))).rejects.toMatchObject({
      code: 'DECISIONS.ALREADY_ENDED',
    });
    expect((await readDecision(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: decision.customerId }), decision)).ended).toEqual({ endDate: '2026-03-31', reason: 'moved' });
    await expect(readDecision(queryAs(store.db, { sub: 'c', role: 'citizen', customerId: 'someone-else' }), decision)).rejects.toMatchObject({ kind: 'not-found', code: 'DECISIONS.DECISION_NOT_FOUND' });
  });
});
