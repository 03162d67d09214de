import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { testIdentityNumber } from '../../test-support/decisions-service.js';
import { inUseCase, openDecisionsStore, queryAs } from '../../test-support/use-cases.js';
import { checkApplication, registerApplication } from '../applications/register-application.js';
import { closeTasks, escalate, listTasks, markTaskDone } from './tasks.js';

const system: Principal = { sub: 'journey-worker', role: 'system' };
const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };

// The task queue's use cases, straight against the database: no app, no HTTP.
describe.each(testEngines())('task use cases on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openDecisionsStore>>;
  let applicationId: string;
  beforeAll(async () => {
    store = await openDecisionsStore(engine, 'decisions_task_use_cases');
    const registered = await inUseCase(store.db, caseHandler, (ctx) =>
      registerApplication(ctx, { ...checkApplication({ identityNumber: testIdentityNumber(7), areaId: 'home-care' }, ctx.today), channel: 'citizen' }),
    );
    applicationId = registered.result.applicationId;
  });
  afterAll(() => store?.close());

  it('escalates once per application, kind and key, closes only the open tasks asked for, and leaves a done task as it stands', async () => {
    const first = await inUseCase(store.db, system, (ctx) => escalate(ctx, { applicationId, kind: 'acceptance-overdue', key: 'order-1', message: 'Not accepted' }));
    const again = await inUseCase(store.db, system, (ctx) => escalate(ctx, { applicationId, kind: 'acceptance-overdue', key: 'order-1', message: 'Not accepted' }));
    expect(first).toMatchObject({ created: true, result: { applicationId, kind: 'acceptance-overdue', key: 'order-1', status: 'open', doneBy: null } });
    expect(again).toEqual({ ...first, created: false });
    const other = await inUseCase(store.db, system, (ctx) => escalate(ctx, { applicationId, kind: 'care-plan-overdue', key: 'order-1', message: 'No care plan' }));

    const closed = await inUseCase(store.db, system, (ctx) => closeTasks(ctx, { applicationId, kind: 'acceptance-overdue', reason: 'accepted' }));
    expect(closed.result.closed.map((t) => [t.taskId, t.status, t.note])).toEqual([[first.result.taskId, 'done', 'Closed by the journey: accepted']]);
    const done = await inUseCase(store.db, caseHandler, (ctx) => markTaskDone(ctx, { taskId: other.result.taskId, note: 'Called the provider' }));
    expect(done.result).toMatchObject({ status: 'done', doneBy: 'handlaggare-1', note: 'Called the provider' });
    const twice = await inUseCase(store.db, caseHandler, (ctx) => markTaskDone(ctx, { taskId: other.result.taskId, note: 'Another note' }));
    expect(twice.result.note).toBe('Called the provider');
    expect(await listTasks(queryAs(store.db, caseHandler), { applicationId, status: 'open', limit: 10 })).toEqual([]);
  });

  it('refuses an escalation for an unknown application with DECISIONS.APPLICATION_NOT_FOUND', async () => {
    await expect(
      inUseCase(store.db, system, (ctx) => escalate(ctx, { applicationId: '00000000-0000-4000-8000-000000000000', kind: 'dispute', key: 'k', message: 'm' })),
    ).rejects.toMatchObject({ kind: 'not-found', code: 'DECISIONS.APPLICATION_NOT_FOUND' });
  });
});
