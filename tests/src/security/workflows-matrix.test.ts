import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { issueToken } from '@kundval/platform';
import { accessByRoute, authorizationCases, principalFor, type AuthorizationCase, type RouteAccess } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { Actor, eventually, homeCareSteps, journeyReaches, journeyState, nextIdentityNumber, type JourneyState, type VisitPlan } from '../driver/index.js';
import { startTestPlatform } from '../support/platform.js';
import { registeredRoutes } from './authorization-matrix.js';

/**
 * The workflows service's authorization matrix, on the dev topology: every route the operators'
 * view registers, called by every role, a citizen of another customer and a person of another
 * municipality. An allowed command must do exactly what it says to the journey (its state through
 * GET /journeys/:id, or billing's records of the month it approved); a refused call must answer
 * 401/403/404 and leave the journey as it was.
 *
 * Every journey here waits on a person: the area's default provider is suspended, so a journey whose
 * customer has not chosen within the choice deadline (4 s here) waits on an attention
 * (assignDefaultProvider refused, ORDERS.NO_DEFAULT_PROVIDER) and nothing moves it but a request.
 */
const MATRIX: RouteAccess[] = [
  { route: 'GET /journeys', roles: ['operator', 'case-handler'] },
  { route: 'GET /journeys/:applicationId', roles: ['operator', 'case-handler', 'citizen'], hidesOthers: ['citizen'] },
  { route: 'POST /journeys/:applicationId/choice', roles: ['citizen', 'case-handler'], hidesOthers: ['citizen'] },
  { route: 'POST /journeys/:applicationId/months/:month/approval', roles: ['citizen', 'case-handler'], hidesOthers: ['citizen'] },
  { route: 'POST /journeys/:applicationId/attention/retry', roles: ['operator', 'case-handler'] },
  { route: 'POST /journeys/:applicationId/attention/skip', roles: ['operator', 'case-handler'] },
  { route: 'POST /journeys/:applicationId/attention/end', roles: ['operator', 'case-handler'] },
];

const COMMAND_RETRY_MS = 6_000;
const DEFAULT_PROVIDER = 'nacka-hemtjanst';
const CHOSEN = 'trygga-hander';
const MONTH = '2026-03';
const VISITS: VisitPlan[] = [
  { externalId: 'mar-2', kind: 'care', start: '2026-03-02T08:00:00+01:00', end: '2026-03-02T09:30:00+01:00' },
  { externalId: 'mar-3', kind: 'care', start: '2026-03-03T08:00:00+01:00', end: '2026-03-03T09:30:00+01:00' },
];

/** A journey of the matrix: its application and customer, and for one in service its order. */
type Journey = { applicationId: string; customerId: string; decisionId: string; orderId?: string };
/** A call of the matrix: a case of the generated matrix, or a person of another municipality. */
type Call = AuthorizationCase & { municipality?: string };

/**
 * Every case of the generated matrix, and for each role a route lets through (a citizen aside, whose
 * scope is their own customer), the same role from another municipality: the journey, whose
 * municipality is Nacka, is not found for them (404), and a list shows them none of Nacka's.
 */
function calls(): Call[] {
  return MATRIX.flatMap((row) => {
    const generated: Call[] = authorizationCases([row]);
    const roles = row.roles === 'any' ? [] : row.roles.filter((r) => r !== 'citizen');
    const listing = row.route === 'GET /journeys';
    return [
      ...generated,
      ...roles.map((role): Call => ({ route: row.route, caller: `${role} (another municipality${listing ? ', sees none' : ', not found'})`, role, owner: 'own', expected: listing ? 'allowed' : 'refused', ...(listing ? {} : { status: 404 as const }), municipality: 'varmdo' })),
    ];
  });
}

/** What a refusal must leave as it was: where the journey stands, and the month billing holds. */
type Snapshot = { journey: Pick<JourneyState, 'stage' | 'providerId' | 'chosenBy' | 'orderId' | 'settledMonths' | 'attention' | 'attentions' | 'ended'>; visits?: Array<{ visitId: string; status: string }> };

describe('the workflows service authorization matrix, on the dev topology', () => {
  let platform: LocalPlatform;
  let registered: RouteAccess[];
  /** The journeys refused calls are made against: one waiting on its attention (still choosing), one in service with March reported. */
  let waiting: Journey;
  let inService: Journey;
  /** A journey of its own for each allowed command, by route and caller, made before the calls. */
  const fresh = new Map<string, Journey>();

  const operator = () => new Actor(platform.auth, { sub: 'operator-1', role: 'operator' });
  const caseHandler = () => new Actor(platform.auth, { sub: 'handlaggare-1', role: 'case-handler' });
  const people = () => ({ urls: platform.urls, auth: platform.auth });

  /** A granted March of home care, decided: `waiting` left to wait on its attention, `in-service` chosen by the customer, accepted and planned by the provider, March reported. */
  async function journey(state: 'waiting' | 'in-service'): Promise<Journey> {
    const steps = homeCareSteps(people());
    const { applicationId, customerId } = await steps.apply(nextIdentityNumber(1945));
    await steps.assess(applicationId);
    const { decisionId } = await steps.decide(applicationId, { careHoursPerMonth: 6, serviceHoursPerMonth: 0, validFrom: '2026-03-01', validTo: '2026-03-31' });
    if (state === 'waiting') {
      await eventually(async () => ((await journeyState(people(), applicationId))?.attention?.open ? true : undefined), `journey ${applicationId} to wait on its attention`, 90_000);
      return { applicationId, customerId, decisionId };
    }
    await steps.choose(customerId, decisionId, CHOSEN);
    await journeyReaches(people(), applicationId, ['awaiting-acceptance']);
    const orderId = await steps.acceptAndPlan(CHOSEN, decisionId);
    await steps.reportVisits(CHOSEN, orderId, VISITS.map((v) => ({ ...v, externalId: `${applicationId}-${v.externalId}` })));
    // The journey has learnt of March's deliveries when it escalates their overdue approval (March is long over).
    await eventually(async () => ((await journeyState(people(), applicationId))?.escalations?.some((e) => e.kind === 'approval-overdue' && e.open) ? true : undefined), `journey ${applicationId} to hold March`, 90_000);
    return { applicationId, customerId, decisionId, orderId };
  }

  async function snapshot(j: Journey): Promise<Snapshot> {
    const state = (await journeyState(people(), j.applicationId))!;
    const { stage, providerId, chosenBy, orderId, settledMonths, attention, attentions, ended } = state;
    const visits = j.orderId
      ? (await caseHandler().ok<Array<{ visitId: string; status: string }>>('GET', `${platform.urls.billing}/orders/${j.orderId}/visits?month=${MONTH}`)).map((v) => ({ visitId: v.visitId, status: v.status }))
      : undefined;
    return { journey: { stage, providerId, chosenBy, orderId, settledMonths, attention, attentions, ended }, ...(visits ? { visits } : {}) };
  }

  /** The journey an allowed command acts on: one of its own, made in `beforeAll`. */
  const kindOf = (route: string): 'waiting' | 'in-service' => (route.includes('/approval') ? 'in-service' : 'waiting');
  const needsFresh = (c: Call) => c.expected === 'allowed' && c.route.startsWith('POST ');
  const keyOf = (c: Call) => `${c.route} ${c.caller}`;

  beforeAll(async () => {
    platform = await startTestPlatform('workflows-matrix', { env: { COMMAND_RETRY_MS: String(COMMAND_RETRY_MS) } });
    registered = (await registeredRoutes()).filter((r) => r.service === 'workflows').map((r) => ({ route: `${r.method} ${r.path}`, roles: r.roles as RouteAccess['roles'] }));
    await new Actor(platform.auth, { sub: 'admin-1', role: 'administrator' }).ok('POST', `${platform.urls.orders}/providers/${DEFAULT_PROVIDER}/authorizations/home-care/decision`, {
      decision: 'suspend',
      reason: 'The liability insurance certificate has lapsed.',
    });
    const wanted = calls().filter(needsFresh);
    const made = await Promise.all([journey('waiting'), journey('in-service'), ...wanted.map((c) => journey(kindOf(c.route)))]);
    [waiting, inService] = [made[0]!, made[1]!];
    wanted.forEach((c, i) => fresh.set(keyOf(c), made[i + 2]!));
    // Visibility lists a journey a moment after it starts: wait until the waiting one is listed.
    await eventually(async () => ((await operator().ok<Array<{ workflowId: string }>>('GET', `${platform.urls.workflows}/journeys?customer=${waiting.customerId}`)).length === 1 ? true : undefined), 'the journey to be listed');
  }, 600_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('has one row per registered route, with the roles of its config', () => {
    expect(accessByRoute(MATRIX)).toEqual(accessByRoute(registered));
  });

  /** The request of a call, against the journey `j`. */
  function request(route: string, j: Journey): { method: 'GET' | 'POST'; path: string; body?: Record<string, unknown> } {
    const base = `/journeys/${j.applicationId}`;
    switch (route) {
      case 'GET /journeys':
        return { method: 'GET', path: `/journeys?customer=${j.customerId}` };
      case 'GET /journeys/:applicationId':
        return { method: 'GET', path: base };
      case 'POST /journeys/:applicationId/choice':
        return { method: 'POST', path: `${base}/choice`, body: { providerId: CHOSEN } };
      case 'POST /journeys/:applicationId/months/:month/approval':
        return { method: 'POST', path: `${base}/months/${MONTH}/approval`, body: { orderId: j.orderId ?? '00000000-0000-4000-8000-000000000000', disputedVisitIds: [] } };
      case 'POST /journeys/:applicationId/attention/retry':
        return { method: 'POST', path: `${base}/attention/retry`, body: {} };
      case 'POST /journeys/:applicationId/attention/skip':
        return { method: 'POST', path: `${base}/attention/skip`, body: { reason: 'The customer chooses herself; no default provider.' } };
      case 'POST /journeys/:applicationId/attention/end':
        return { method: 'POST', path: `${base}/attention/end`, body: { reason: 'The customer withdrew the application.' } };
      default:
        throw new Error(`no request for ${route}`);
    }
  }

  async function call(c: Call, j: Journey) {
    const principal = principalFor(c, { providerId: CHOSEN, customerId: j.customerId });
    const { method, path, body } = request(c.route, j);
    const headers: Record<string, string> = { 'idempotency-key': crypto.randomUUID() };
    if (principal) headers['authorization'] = `Bearer ${await issueToken(platform.auth, { sub: `${c.role}-matrix`, ...principal, ...(c.municipality ? { municipality: c.municipality } : {}) } as Principal)}`;
    if (body) headers['content-type'] = 'application/json';
    const res = await fetch(`${platform.urls.workflows}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  /** What an allowed call must answer and do to the journey `j`, by its caller `sub` and role. */
  async function assertAllowed(c: Call, j: Journey, answer: { status: number; body: unknown }) {
    const by = { subject: `${c.role}-matrix`, role: c.role };
    switch (c.route) {
      case 'GET /journeys':
        expect(answer).toEqual({ status: 200, body: c.municipality ? [] : [expect.objectContaining({ workflowId: `journey-${j.applicationId}`, customer: j.customerId, stage: 'awaiting-choice', municipality: 'nacka', attention: 'command-failed' })] });
        return;
      case 'GET /journeys/:applicationId':
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ stage: 'awaiting-choice', providerId: null, customerId: j.customerId, attention: { command: 'assignDefaultProvider', code: 'ORDERS.NO_DEFAULT_PROVIDER', open: true } });
        return;
      case 'POST /journeys/:applicationId/choice': {
        expect(answer).toEqual({ status: 200, body: { providerId: CHOSEN, chosenBy: 'customer' } });
        // The journey holds the choice as the customer's, whoever asked for her (ADR 0022).
        const state = await eventually(async () => {
          const s = await journeyState(people(), j.applicationId);
          return s?.providerId ? s : undefined;
        }, 'the journey to hold the choice');
        expect([state.providerId, state.chosenBy], `stage ${state.stage}`).toEqual([CHOSEN, 'customer']);
        return;
      }
      case 'POST /journeys/:applicationId/months/:month/approval': {
        expect(answer).toEqual({ status: 200, body: { orderId: j.orderId, month: MONTH, approvedVisits: 2 } });
        // Billing holds March approved, both visits; the journey goes on to settle it.
        const visits = await caseHandler().ok<Array<{ status: string }>>('GET', `${platform.urls.billing}/orders/${j.orderId}/visits?month=${MONTH}`);
        expect(visits.map((v) => v.status)).toEqual(['approved', 'approved']);
        const done = await journeyReaches(people(), j.applicationId, ['completed'], 90_000);
        expect(done.settledMonths.map((m) => m.month)).toEqual([MONTH]);
        return;
      }
      case 'POST /journeys/:applicationId/attention/retry':
      case 'POST /journeys/:applicationId/attention/skip':
      case 'POST /journeys/:applicationId/attention/end': {
        const action = c.route.split('/').at(-1) as 'retry' | 'skip' | 'end';
        const reason = action === 'retry' ? null : (request(c.route, j).body!['reason'] as string);
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body).toMatchObject({ command: 'assignDefaultProvider', open: false, resolution: { action, by, reason } });
        const attentionId = (answer.body as { attentionId: string }).attentionId;
        // The journey holds the resolution under the attention it answered.
        const state = await eventually(async () => {
          const s = await journeyState(people(), j.applicationId);
          return s?.attentions?.some((a) => a.attentionId === attentionId && !a.open) ? s : undefined;
        }, 'the journey to hold the resolution');
        expect(state.attentions!.find((a) => a.attentionId === attentionId)).toMatchObject({ open: false, resolution: { action, by, reason } });
        if (action === 'skip') {
          // Nothing is chosen for her: the journey waits for her own choice, with no deadline left.
          const after = await eventually(async () => {
            const s = await journeyState(people(), j.applicationId);
            return s && s.attention === null && s.nextDeadline === null ? s : undefined;
          }, 'the default to be given up');
          expect([after.stage, after.providerId]).toEqual(['awaiting-choice', null]);
        }
        if (action === 'end') {
          const ended = await eventually(async () => {
            const s = await journeyState(people(), j.applicationId);
            return s?.ended ? s : undefined;
          }, 'the journey to end');
          expect(ended.providerId).toBeNull();
        }
        return;
      }
      default:
        throw new Error(`no effect for ${c.route}`);
    }
  }

  for (const c of calls()) {
    it(`${c.route}: ${c.caller} is ${c.expected}`, async () => {
      if (needsFresh(c)) {
        const j = fresh.get(keyOf(c))!;
        await assertAllowed(c, j, await call(c, j));
        return;
      }
      const j = kindOf(c.route) === 'in-service' ? inService : waiting;
      const before = await snapshot(j);
      const answer = await call(c, j);
      if (c.expected === 'allowed') await assertAllowed(c, j, answer);
      else expect(answer.status, JSON.stringify(answer.body)).toBe(c.status);
      expect(await snapshot(j), 'the journey is as it was').toEqual(before);
    });
  }
});
