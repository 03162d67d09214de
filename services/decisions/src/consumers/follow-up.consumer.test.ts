import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type CatalogEvent, type FollowUpAlertRaised, type SurveyPublished } from '@kundval/contracts';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { startDecisions, testIdentityNumber, type TestDecisions } from '../test-support/decisions-service.js';
import { inUseCase } from '../test-support/use-cases.js';
import { checkApplication, registerApplication } from '../application/applications/register-application.js';
import { ApplicationNotFoundYet } from '../application/tasks/follow-up-tasks.js';
import { applyFollowUpEvent } from './follow-up.consumer.js';

const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };

function event<N extends 'followUpAlertRaised' | 'surveyPublished'>(name: N, payload: Extract<CatalogEvent, { name: N }>['payload']): CatalogEvent {
  return { name, eventId: randomUUID(), subject: eventCatalog[name].subject, occurredAt: new Date().toISOString(), correlationId: 'corr-1', payload } as CatalogEvent;
}

describe.each(testEngines())('follow-up tasks from billing and orders events on %s', (engine) => {
  let svc: TestDecisions;
  let headers: Record<string, string>;
  let applicationId: string;
  let customerId: string;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_follow_up');
    headers = await svc.as({ role: 'case-handler' });
    const registered = await inUseCase(svc.db, caseHandler, (ctx) =>
      registerApplication(ctx, { ...checkApplication({ identityNumber: testIdentityNumber(11), areaId: 'home-care' }, ctx.today), channel: 'citizen' }),
    );
    applicationId = registered.result.applicationId;
    customerId = registered.result.customerId;
  });
  afterAll(() => svc?.close());

  const tasks = async (query: string) => (await svc.app.inject({ method: 'GET', url: `/tasks?${query}`, headers })).json();

  it("makes billing's under-delivery alert a case handler's task on the customer's application, once per alert cause", async () => {
    const orderId = randomUUID();
    const alert: FollowUpAlertRaised = { alertId: randomUUID(), applicationId, orderId, customerId, providerId: 'omsorg-ab', areaId: 'home-care', kind: 'under-delivery', firstMonth: '2026-03', month: '2026-05', shares: [0.45, 0.4, 0.5] };
    const raised = event('followUpAlertRaised', alert);
    await applyFollowUpEvent(svc.db, raised);
    // Redelivered, and raised again for the same run a month later under a new event id: one task.
    await applyFollowUpEvent(svc.db, raised);
    await applyFollowUpEvent(svc.db, event('followUpAlertRaised', { ...alert, alertId: randomUUID(), month: '2026-06', shares: [0.45, 0.4, 0.5, 0.3] }));
    expect(await tasks('kind=under-delivery')).toEqual([
      {
        taskId: expect.any(String),
        applicationId,
        customerId,
        areaId: 'home-care',
        providerId: null,
        kind: 'under-delivery',
        key: `${orderId}:2026-03`,
        message: 'omsorg-ab delivered 45 %, 40 %, 50 % of the ordered time in 2026-03–2026-05, below the agreed share: follow up with the provider and the customer, and review the decision.',
        status: 'open',
        createdAt: expect.any(String),
        doneAt: null,
        doneBy: null,
        note: null,
      },
    ]);
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor', 'actor_role']).where('action', '=', 'task.created').where('correlation_id', '=', 'corr-1').execute();
    expect(audit).toContainEqual({ action: 'task.created', actor: 'decisions-follow-up', actor_role: 'system' });
  });

  it('waits for an application it does not hold yet: the event is redelivered, nothing is stored', async () => {
    const unknown = event('followUpAlertRaised', { alertId: randomUUID(), applicationId: randomUUID(), orderId: randomUUID(), customerId, providerId: 'omsorg-ab', areaId: 'home-care', kind: 'over-delivery', firstMonth: '2026-03', month: '2026-05', shares: [1.4, 1.5, 1.6] });
    await expect(applyFollowUpEvent(svc.db, unknown)).rejects.toBeInstanceOf(ApplicationNotFoundYet);
    expect(await svc.db.selectFrom('inbox').select('event_id').where('event_id', '=', unknown.eventId).execute()).toEqual([]);
    expect(await tasks('kind=over-delivery')).toEqual([]);
  });

  it('gives each provider below the published survey threshold one follow-up task, on no application', async () => {
    const survey: SurveyPublished = {
      surveyId: randomUUID(),
      areaId: 'home-care',
      year: 2026,
      followUpBelow: 3.5,
      results: [
        { providerId: 'bra-omsorg', score: 4.3, answers: 4 },
        { providerId: 'svag-omsorg', score: 2.5, answers: 2 },
      ],
      belowThreshold: ['svag-omsorg'],
    };
    await applyFollowUpEvent(svc.db, event('surveyPublished', survey));
    await applyFollowUpEvent(svc.db, event('surveyPublished', survey));
    expect(await tasks('kind=survey-follow-up')).toEqual([
      {
        taskId: expect.any(String),
        applicationId: null,
        customerId: null,
        areaId: 'home-care',
        providerId: 'svag-omsorg',
        kind: 'survey-follow-up',
        key: `${survey.surveyId}:svag-omsorg`,
        message: 'svag-omsorg scored 2,5 from 2 answer(s) in the customer survey of home-care 2026, below 3,5: follow up the provider\'s quality.',
        status: 'open',
        createdAt: expect.any(String),
        doneAt: null,
        doneBy: null,
        note: null,
      },
    ]);
    // A case handler marks it done like any task.
    const [task] = await tasks('kind=survey-follow-up');
    const done = await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers, payload: { note: 'Met the provider.' } });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', providerId: 'svag-omsorg', note: 'Met the provider.' });
  });
});
