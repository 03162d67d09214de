import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { caseHandlerSteps, issuesOf, startDecisions, testIdentityNumber, type TestDecisions } from '../../test-support/decisions-service.js';

type TaskJson = { taskId: string; applicationId: string; customerId: string; areaId: string; kind: string; key: string; message: string; status: string; doneBy: string | null; note: string | null };

describe.each(testEngines())('case handler tasks on %s', (engine) => {
  let svc: TestDecisions;
  let caseHandler: Record<string, string>;
  let system: Record<string, string>;
  let operator: Record<string, string>;
  let applicationId: string;

  beforeAll(async () => {
    svc = await startDecisions(engine, 'decisions_tasks');
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system', sub: 'journey-worker' });
    operator = await svc.as({ role: 'operator' });
    ({ applicationId } = await caseHandlerSteps(svc, caseHandler).apply('home-care', testIdentityNumber(10)));
  });
  afterAll(() => svc?.close());

  const escalate = (body: Record<string, unknown>, headers = system) => svc.app.inject({ method: 'POST', url: '/tasks', headers, payload: body });
  const list = async (query = '', headers = caseHandler) => (await svc.app.inject({ method: 'GET', url: `/tasks${query}`, headers })).json<TaskJson[]>();

  it('creates a task once per application, kind and key: the same escalation again answers the same task', async () => {
    const body = { applicationId, kind: 'acceptance-overdue', key: 'order-1', message: 'The provider has not accepted the order within 2 days.' };
    const first = await escalate(body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json<TaskJson>()).toMatchObject({ ...body, status: 'open', areaId: 'home-care', doneBy: null });
    const before = await tableCounts(svc.db);
    const again = await escalate({ ...body, message: 'Reworded by a newer worker.' });
    expect(again.statusCode).toBe(200);
    expect(again.json<TaskJson>()).toEqual(first.json());
    expect(await tableCounts(svc.db)).toEqual(before);
    // Another key is another task.
    expect((await escalate({ ...body, key: 'order-2' })).statusCode).toBe(201);
  });

  it('lists tasks for case handlers and operators, filtered by status and kind', async () => {
    await escalate({ applicationId, kind: 'dispute', key: '2026-03', message: 'The customer disputes 2 visits in March.' });
    const disputes = await list('?kind=dispute');
    expect(disputes.map((t) => [t.kind, t.key])).toEqual([['dispute', '2026-03']]);
    expect((await list('?status=open', operator)).length).toBeGreaterThanOrEqual(2);
    expect(await list('?status=done&kind=queue-waiting')).toEqual([]);
  });

  it("takes the journey's move-out and payment-correction escalations like any other kind", async () => {
    for (const [kind, key] of [['moved-out', 'order-9'], ['payment-correction', 'order-9:2026-04']] as const) {
      expect((await escalate({ applicationId, kind, key, message: `The journey needs a case handler: ${kind}.` })).statusCode).toBe(201);
      expect((await list(`?kind=${kind}`)).map((t) => t.key)).toEqual([key]);
    }
  });

  it('marks a task done with an audit row, and answers a second done as it stands', async () => {
    const task = (await escalate({ applicationId, kind: 'decision-expiring', key: '2026-07-31', message: 'The decision ends on 2026-07-31.' })).json<TaskJson>();
    const done = await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers: caseHandler, payload: { note: 'Renewed after a phone call.' } });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json<TaskJson>()).toMatchObject({ status: 'done', doneBy: 'case-handler-user', note: 'Renewed after a phone call.' });
    const before = await tableCounts(svc.db);
    const again = await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers: caseHandler });
    expect([again.statusCode, again.json().note]).toEqual([200, 'Renewed after a phone call.']);
    expect(await tableCounts(svc.db)).toEqual(before);
    const audits = await svc.db.selectFrom('audit_log').select(['action', 'actor']).where('entity', '=', 'task').where('entity_id', '=', task.taskId).orderBy('id').execute();
    expect(audits).toEqual([
      { action: 'task.created', actor: 'journey-worker' },
      { action: 'task.done', actor: 'case-handler-user' },
    ]);
    expect((await list('?status=done')).map((t) => t.taskId)).toContain(task.taskId);
    // A task done stays done when the journey escalates the same thing again.
    expect((await escalate({ applicationId, kind: 'decision-expiring', key: '2026-07-31', message: 'again' })).json().status).toBe('done');
  });

  it('takes a command the journey could not carry out as a task like any other', async () => {
    const res = await escalate({ applicationId, kind: 'command-failed', key: 'placeOrder-1', message: 'The journey could not place the order: ORDERS.ORDER_OVERLAPS.' });
    expect(res.statusCode, res.body).toBe(201);
  });

  describe('closing the tasks whose cause the journey resolved', () => {
    const close = (body: Record<string, unknown>, headers = system) => svc.app.inject({ method: 'POST', url: '/tasks/close', headers, payload: body });

    it('closes the open task of one escalation with the reason as its note, audited, and leaves the others open', async () => {
      const overdue = (await escalate({ applicationId, kind: 'approval-overdue', key: 'order-5:2026-03', message: 'March is not approved.' })).json<TaskJson>();
      const other = (await escalate({ applicationId, kind: 'approval-overdue', key: 'order-5:2026-04', message: 'April is not approved.' })).json<TaskJson>();
      const res = await close({ applicationId, kind: 'approval-overdue', key: 'order-5:2026-03', reason: 'The customer approved the month.' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ closed: TaskJson[] }>().closed).toEqual([
        expect.objectContaining({ taskId: overdue.taskId, status: 'done', doneBy: 'journey-worker', note: 'Closed by the journey: The customer approved the month.' }),
      ]);
      const open = await list(`?applicationId=${applicationId}&kind=approval-overdue&status=open`);
      expect(open.map((t) => t.taskId)).toEqual([other.taskId]);
      const audits = await svc.db.selectFrom('audit_log').select(['action', 'actor']).where('entity', '=', 'task').where('entity_id', '=', overdue.taskId).orderBy('id').execute();
      expect(audits).toEqual([
        { action: 'task.created', actor: 'journey-worker' },
        { action: 'task.closed', actor: 'journey-worker' },
      ]);
    });

    it('changes nothing when closed again, or when the task is done or was never raised', async () => {
      const task = (await escalate({ applicationId, kind: 'care-plan-overdue', key: 'order-6', message: 'No care plan.' })).json<TaskJson>();
      await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers: caseHandler, payload: { note: 'Called the provider.' } });
      const before = await tableCounts(svc.db);
      for (const body of [
        { applicationId, kind: 'care-plan-overdue', key: 'order-6', reason: 'The care plan was agreed.' },
        { applicationId, kind: 'acceptance-overdue', key: 'never-raised', reason: 'The provider accepted.' },
      ]) {
        const res = await close(body);
        expect([res.statusCode, res.json().closed]).toEqual([200, []]);
      }
      expect(await tableCounts(svc.db)).toEqual(before);
      expect((await list(`?applicationId=${applicationId}&kind=care-plan-overdue`))[0]).toMatchObject({ status: 'done', note: 'Called the provider.' });
    });

    it("closes every open task of a journey that completed when no kind is named", async () => {
      const { applicationId: other } = await caseHandlerSteps(svc, caseHandler).apply('home-care', testIdentityNumber(11));
      await escalate({ applicationId: other, kind: 'dispute', key: 'order-7:2026-03', message: 'Disputed.' });
      await escalate({ applicationId: other, kind: 'queue-waiting', key: 'home-2', message: 'Waiting.' });
      const res = await close({ applicationId: other, reason: 'The journey completed.' });
      expect(res.json<{ closed: TaskJson[] }>().closed.map((t) => t.kind).sort()).toEqual(['dispute', 'queue-waiting']);
      expect(await list(`?applicationId=${other}&status=open`)).toEqual([]);
    });

    it.each([
      [{ kind: 'dispute', key: 'k' }, 'body.reason'],
      [{ key: 'k', reason: 'r' }, 'body.kind'],
      [{ kind: 'coffee-break', reason: 'r' }, 'body.kind'],
      [{ applicationId: 'not-a-uuid', reason: 'r' }, 'body.applicationId'],
    ])('refuses %j with 400 naming %s, changing nothing', async (body, field) => {
      const before = await tableCounts(svc.db);
      const res = await close({ applicationId, ...body });
      expect(res.statusCode).toBe(400);
      expect(issuesOf(res.body)).toHaveProperty([field]);
      expect(await tableCounts(svc.db)).toEqual(before);
    });

    it('answers 404 for an unknown application, and refuses anyone but the journey', async () => {
      const before = await tableCounts(svc.db);
      expect((await close({ applicationId: '00000000-0000-4000-8000-000000000000', reason: 'r' })).json().error).toBe('DECISIONS.APPLICATION_NOT_FOUND');
      expect((await close({ applicationId, reason: 'r' }, caseHandler)).statusCode).toBe(403);
      expect((await close({ applicationId, reason: 'r' }, operator)).statusCode).toBe(403);
      expect((await close({ applicationId, reason: 'r' }, {})).statusCode).toBe(401);
      expect(await tableCounts(svc.db)).toEqual(before);
    });
  });

  it('masks an identity number that slipped into a message', async () => {
    const res = await escalate({ applicationId, kind: 'order-refused', key: 'order-9', message: 'Refused for 19400515-0016, outside the service area.' });
    expect(res.json().message).toBe('Refused for [identity-number], outside the service area.');
  });

  it.each([
    [{ applicationId: undefined, kind: 'dispute', key: 'k', message: 'm' }, 'body.applicationId'],
    [{ applicationId: 'not-a-uuid', kind: 'dispute', key: 'k', message: 'm' }, 'body.applicationId'],
    [{ kind: 'coffee-break', key: 'k', message: 'm' }, 'body.kind'],
    [{ kind: 'dispute', key: '', message: 'm' }, 'body.key'],
    [{ kind: 'dispute', key: 'k', message: '' }, 'body.message'],
  ])('refuses a task %j with 400 naming %s, storing nothing', async (body, field) => {
    const before = await tableCounts(svc.db);
    const res = await escalate({ applicationId, ...body });
    expect(res.statusCode).toBe(400);
    expect(issuesOf(res.body)).toHaveProperty([field]);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses a bad filter with 400 naming the query field', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/tasks?status=forgotten', headers: caseHandler });
    expect(res.statusCode).toBe(400);
    expect(issuesOf(res.body)).toHaveProperty(['querystring.status']);
  });

  it('answers 404 for an unknown application or task', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const before = await tableCounts(svc.db);
    expect((await escalate({ applicationId: unknown, kind: 'dispute', key: 'k', message: 'm' })).json().error).toBe('DECISIONS.APPLICATION_NOT_FOUND');
    expect((await svc.app.inject({ method: 'POST', url: `/tasks/${unknown}/done`, headers: caseHandler })).json().error).toBe('DECISIONS.TASK_NOT_FOUND');
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('answers 401 without a token and 403 for the wrong role, changing nothing', async () => {
    const task = (await escalate({ applicationId, kind: 'queue-waiting', key: 'home-1', message: 'Waiting for a place.' })).json<TaskJson>();
    const provider = await svc.as({ role: 'provider', providerId: 'p1' });
    const before = await tableCounts(svc.db);
    const body = { applicationId, kind: 'care-plan-overdue', key: 'x', message: 'm' };
    expect((await escalate(body, {})).statusCode).toBe(401);
    expect((await escalate(body, caseHandler)).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'GET', url: '/tasks', headers: provider })).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'GET', url: '/tasks' })).statusCode).toBe(401);
    expect((await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers: operator })).statusCode).toBe(403);
    expect((await svc.app.inject({ method: 'POST', url: `/tasks/${task.taskId}/done`, headers: system })).statusCode).toBe(403);
    expect(await tableCounts(svc.db)).toEqual(before);
    expect((await list(`?applicationId=${applicationId}&kind=queue-waiting`))[0]!.status).toBe('open');
  });
});
