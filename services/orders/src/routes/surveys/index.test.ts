import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';
import { meanTenths } from '../../application/surveys/surveys.js';

describe('the mean score in tenths', () => {
  it('rounds half up, in integers: 4,25 is 4,3 and 4,24 is 4,2', () => {
    expect(meanTenths(17, 4)).toBe(43);
    expect(meanTenths(106, 25)).toBe(42);
    expect(meanTenths(5, 1)).toBe(50);
    expect(meanTenths(7, 3)).toBe(23);
  });
});

describe.each(testEngines())('the yearly customer survey on %s', (engine) => {
  let svc: TestOrders;
  let caseHandler: Headers;
  let finance: Headers;
  let system: Headers;
  let r: ReturnType<typeof requestsFor>;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_surveys');
    r = requestsFor(svc);
    [caseHandler, finance, system] = await Promise.all([svc.as({ role: 'case-handler' }), svc.as({ role: 'finance' }), svc.as({ role: 'system' })]);
    await seedProvider(svc.db, { providerId: 'enkat-bra' });
    await seedProvider(svc.db, { providerId: 'enkat-svag' });
    await seedProvider(svc.db, { providerId: 'enkat-tyst' });
  });
  afterAll(() => svc?.close());

  /** A customer with a home-care order at the provider in force in 2026. */
  async function customerOf(providerId: string): Promise<{ customerId: string; citizen: Headers }> {
    const decision = await seedDecision(svc.db);
    await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId }, 201);
    await r.ok('/orders', system, { decisionId: decision.decisionId }, 201);
    return { customerId: decision.customerId, citizen: await svc.as({ role: 'citizen', customerId: decision.customerId }) };
  }

  it('takes each customer’s answer once, publishes the mean per provider with its answers into the choice listing, and names those below the threshold', async () => {
    const opened = await r.ok<{ surveyId: string; status: string }>('/surveys', caseHandler, { areaId: 'home-care', year: 2026 }, 201);
    expect(opened).toMatchObject({ areaId: 'home-care', year: 2026, status: 'open', followUpBelow: null, publishedAt: null });
    // Opened again, the same survey.
    expect((await r.ok<{ surveyId: string }>('/surveys', finance, { areaId: 'home-care', year: 2026 }, 200)).surveyId).toBe(opened.surveyId);
    const answers = `/surveys/${opened.surveyId}/answers`;

    const good = [await customerOf('enkat-bra'), await customerOf('enkat-bra'), await customerOf('enkat-bra'), await customerOf('enkat-bra')];
    const weak = [await customerOf('enkat-svag'), await customerOf('enkat-svag')];
    for (const [c, score] of [[good[0]!, 5], [good[1]!, 4], [good[2]!, 4], [good[3]!, 4], [weak[0]!, 3], [weak[1]!, 2]] as const) {
      await r.ok(answers, c.citizen, { providerId: c === weak[0] || c === weak[1] ? 'enkat-svag' : 'enkat-bra', score }, 201);
    }
    // The same answer again is the same answer; another is refused, and nothing changes.
    await r.ok(answers, good[0]!.citizen, { providerId: 'enkat-bra', score: 5 }, 200);
    await r.refused('POST', answers, good[0]!.citizen, { providerId: 'enkat-bra', score: 1 }, 409, 'ORDERS.SURVEY_ALREADY_ANSWERED');
    // Only for a provider that served the customer; only by the customer; scores 1–5.
    const stranger = await customerOf('enkat-bra');
    await r.refused('POST', answers, stranger.citizen, { providerId: 'enkat-svag', score: 1 }, 409, 'ORDERS.NOT_SERVED_BY_PROVIDER', 'body.providerId');
    await r.refused('POST', answers, caseHandler, { providerId: 'enkat-bra', score: 3 }, 403);
    await r.refused('POST', answers, stranger.citizen, { providerId: 'enkat-bra', score: 6 }, 400, 'VALIDATION', 'body.score');
    const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', opened.surveyId).where('action', '=', 'survey.answered').execute();
    expect(audit).toHaveLength(6);
    expect(audit.every((a) => a.actor_role === 'citizen')).toBe(true);

    // Before publishing, the listing shows what was entered (nothing here).
    const before = await r.send('GET', '/providers?areaId=home-care', caseHandler);
    expect(before.json().find((p: { providerId: string }) => p.providerId === 'enkat-bra')).toMatchObject({ satisfactionScore: null, satisfactionAnswers: null, satisfactionYear: null, satisfactionSource: null });

    const mark = await r.mark();
    const published = await r.ok<Record<string, unknown>>(`/surveys/${opened.surveyId}/publish`, caseHandler, {}, 201);
    expect(published).toMatchObject({
      status: 'published',
      followUpBelow: 3.5,
      answers: 6,
      results: [
        { providerId: 'enkat-bra', score: 4.3, answers: 4, followUp: false },
        { providerId: 'enkat-svag', score: 2.5, answers: 2, followUp: true },
      ],
    });
    expect(await r.eventsSince(mark)).toEqual([
      {
        subject: 'kundval.orders.survey.published.v1',
        payload: {
          surveyId: opened.surveyId,
          areaId: 'home-care',
          year: 2026,
          followUpBelow: 3.5,
          results: [
            { providerId: 'enkat-bra', score: 4.3, answers: 4 },
            { providerId: 'enkat-svag', score: 2.5, answers: 2 },
          ],
          belowThreshold: ['enkat-svag'],
        },
      },
    ]);
    // Published once: again, the same results and no second event.
    await r.ok(`/surveys/${opened.surveyId}/publish`, caseHandler, {}, 200);
    expect(await r.eventsSince(mark)).toHaveLength(1);
    await r.refused('POST', answers, stranger.citizen, { providerId: 'enkat-bra', score: 3 }, 409, 'ORDERS.SURVEY_CLOSED');

    const listing = await r.send('GET', '/providers?areaId=home-care', await svc.as({ role: 'citizen', customerId: good[0]!.customerId }));
    const byId = new Map(listing.json().map((p: { providerId: string }) => [p.providerId, p]));
    expect(byId.get('enkat-bra')).toMatchObject({ satisfactionScore: 4.3, satisfactionAnswers: 4, satisfactionYear: 2026, satisfactionSource: 'survey' });
    expect(byId.get('enkat-svag')).toMatchObject({ satisfactionScore: 2.5, satisfactionAnswers: 2, satisfactionYear: 2026, satisfactionSource: 'survey' });
    // Nobody answered about this one: no score.
    expect(byId.get('enkat-tyst')).toMatchObject({ satisfactionScore: null, satisfactionAnswers: null, satisfactionSource: null });
  });

  it('refuses a survey of an unknown area (400 naming body.areaId) and publishing one nobody answered (409)', async () => {
    await r.refused('POST', '/surveys', caseHandler, { areaId: 'no-such-area', year: 2026 }, 400, 'ORDERS.UNKNOWN_AREA', 'body.areaId');
    const empty = await r.ok<{ surveyId: string }>('/surveys', caseHandler, { areaId: 'day-activities', year: 2026 }, 201);
    await r.refused('POST', `/surveys/${empty.surveyId}/publish`, caseHandler, {}, 409, 'ORDERS.SURVEY_UNANSWERED');
    await r.refused('POST', '/surveys', system, { areaId: 'home-care', year: 2027 }, 403);
  });
});
