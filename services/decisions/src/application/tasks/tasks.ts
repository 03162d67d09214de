import { audit, notFound } from '@kundval/platform';
import { findApplication } from '../../store/applications.js';
import { findTask, insertTaskOnce, listTasks as listTaskRows, lockOpenTasks, lockTask, toTask, updateTask, type TaskKind, type TaskStatus, type TaskView } from '../../store/tasks.js';
import type { Outcome, QueryContext, UseCaseContext } from '../context.js';
import { taskScope } from '../scope.js';

/*
 * The case handlers' task queue: the journey escalates and closes, a case handler marks done. One
 * module for the four use cases, which share the task's shape and its audit.
 */

async function assertApplicationExists(ctx: UseCaseContext, applicationId: string): Promise<void> {
  if (!(await findApplication(ctx.db, applicationId))) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
}

/** The journey escalates to the case handlers: one task per application, kind and key; the same escalation again answers the task as it stands. */
export async function escalate(ctx: UseCaseContext, input: { applicationId: string; kind: TaskKind; key: string; message: string }): Promise<Outcome<TaskView>> {
  const { applicationId, kind, key, message } = input;
  await assertApplicationExists(ctx, applicationId);
  const inserted = await insertTaskOnce(ctx.db, { task_id: ctx.newId(), application_id: applicationId, kind, key, message, status: 'open', created_by: ctx.principal.sub, done_by: null, done_at: null, note: null });
  const task = toTask(await findTask(ctx.db, { applicationId, kind, key }));
  if (inserted) await audit(ctx.db, ctx.principal, { action: 'task.created', entity: 'task', entityId: task.taskId, after: task, correlationId: ctx.correlationId });
  return { result: task, created: inserted !== undefined, events: [] };
}

/** The journey closes the open tasks whose cause is gone (of a kind, of a key), each done with the reason as its note. */
export async function closeTasks(
  ctx: UseCaseContext,
  input: { applicationId: string; kind?: TaskKind | undefined; key?: string | undefined; reason: string },
): Promise<Outcome<{ closed: TaskView[] }>> {
  await assertApplicationExists(ctx, input.applicationId);
  const tasks = await lockOpenTasks(ctx.db, input);
  const closed: TaskView[] = [];
  for (const task of tasks) {
    const note = `Closed by the journey: ${input.reason}`;
    const done = await updateTask(ctx.db, task, { status: 'done', done_by: ctx.principal.sub, done_at: new Date(), note });
    await audit(ctx.db, ctx.principal, { action: 'task.closed', entity: 'task', entityId: task.task_id, before: { status: task.status }, after: { status: 'done', note }, correlationId: ctx.correlationId });
    closed.push(toTask(done));
  }
  return { result: { closed }, created: false, events: [] };
}

/** A case handler marks a task done; one already done is answered as it stands. */
export async function markTaskDone(ctx: UseCaseContext, input: { taskId: string; note?: string | undefined }): Promise<Outcome<TaskView>> {
  const task = await lockTask(ctx.db, input.taskId, taskScope(ctx.principal));
  if (!task) throw notFound('DECISIONS.TASK_NOT_FOUND', 'No such task.');
  if (task.status === 'done') return { result: toTask(task), created: false, events: [] };
  const after = toTask(await updateTask(ctx.db, task, { status: 'done', done_by: ctx.principal.sub, done_at: new Date(), note: input.note ?? null }));
  await audit(ctx.db, ctx.principal, { action: 'task.done', entity: 'task', entityId: task.task_id, before: { status: task.status }, after: { status: 'done', note: after.note }, correlationId: ctx.correlationId });
  return { result: after, created: false, events: [] };
}

/** Tasks, oldest first. */
export async function listTasks(ctx: QueryContext, input: { status?: TaskStatus | undefined; kind?: TaskKind | undefined; applicationId?: string | undefined; limit: number }): Promise<TaskView[]> {
  return (await listTaskRows(ctx.db, input, taskScope(ctx.principal))).map(toTask);
}
