import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { ErrorBody, audit, notFound, scrubIdentityNumbers, commandRunner, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { FreeText } from '../../schemas.js';
import type { DecisionsTables } from '../../store/schema.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const TaskKind = z.enum(['acceptance-overdue', 'care-plan-overdue', 'approval-overdue', 'dispute', 'order-refused', 'decision-expiring', 'queue-waiting', 'moved-out', 'payment-correction', 'command-failed']);
const TaskStatus = z.enum(['open', 'done']);

const TaskBody = z.object({
  applicationId: z.uuid(),
  kind: TaskKind,
  // The journey writes key and message; a number that slipped in is masked rather than refused, so
  // an escalation never fails on its wording (masking is deterministic: the key still de-duplicates).
  key: z.string().min(1).max(200).transform(scrubIdentityNumbers).describe('What makes the escalation one task: an order id, a month, a date'),
  message: z.string().trim().min(1).max(2000).transform(scrubIdentityNumbers),
});

const Task = z.object({
  taskId: z.uuid(),
  applicationId: z.uuid(),
  customerId: z.uuid(),
  areaId: z.string(),
  kind: TaskKind,
  key: z.string(),
  message: z.string(),
  status: TaskStatus,
  createdAt: z.string(),
  doneAt: z.string().nullable(),
  doneBy: z.string().nullable(),
  note: z.string().nullable(),
});

const TaskQuery = z.object({
  status: TaskStatus.optional(),
  kind: TaskKind.optional(),
  applicationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const TaskParams = z.object({ taskId: z.uuid() });
const CloseBody = z
  .object({
    applicationId: z.uuid(),
    kind: TaskKind.optional().describe('Only tasks of this kind; all kinds when left out'),
    key: z.string().min(1).max(200).transform(scrubIdentityNumbers).optional().describe('Only the task of this key (needs `kind`)'),
    reason: z.string().trim().min(1).max(500).transform(scrubIdentityNumbers).describe('Why the journey no longer waits for it'),
  })
  .refine((b) => b.key === undefined || b.kind !== undefined, { path: ['kind'], message: 'kind is required with key' });
const DoneBody = z.object({ note: FreeText(2000).optional() }).nullish();

type TaskRow = Selectable<DecisionsTables['tasks']> & { customer_id: string; area_id: string };

/** The case handlers' work queue: the journey escalates (overdue acceptance, disputes, expiring decisions) by adding tasks. */
export function taskRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const runCommand = commandRunner(db, { afterCommit: deps.afterCommit });

  const selectTasks = (trx: typeof db) =>
    trx
      .selectFrom('tasks')
      .innerJoin('applications', 'applications.application_id', 'tasks.application_id')
      .selectAll('tasks')
      .select(['applications.customer_id', 'applications.area_id']);

  return async (app) => {
    app.post(
      '/tasks',
      {
        config: { roles: ['system'] },
        schema: {
          summary: 'Escalate to the case handlers (the journey calls it)',
          description: 'One task per application, kind and key: the same escalation again answers the existing task (200), open or done.',
          tags: ['tasks'],
          body: TaskBody,
          response: { 201: Task, 200: Task, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const { applicationId, kind, key, message } = req.body;
          const application = await trx.selectFrom('applications').select('application_id').where('application_id', '=', applicationId).executeTakeFirst();
          if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
          const inserted = await trx
            .insertInto('tasks')
            .values({ task_id: randomUUID(), application_id: applicationId, kind, key, message, status: 'open', created_by: req.principal.sub, done_by: null, done_at: null, note: null })
            .onConflict((oc) => oc.columns(['application_id', 'kind', 'key']).doNothing())
            .returning('task_id')
            .executeTakeFirst();
          const task = await selectTasks(trx).where('tasks.application_id', '=', applicationId).where('tasks.kind', '=', kind).where('tasks.key', '=', key).executeTakeFirstOrThrow();
          if (inserted) await audit(trx, req.principal, { action: 'task.created', entity: 'task', entityId: task.task_id, after: toTask(task), correlationId: req.correlationId });
          return { status: inserted ? 201 : 200, body: toTask(task) };
        }),
    );

    app.post(
      '/tasks/close',
      {
        config: { roles: ['system'] },
        schema: {
          summary: "Close the tasks whose cause is gone (the journey calls it)",
          description:
            'The journey closes the open task of an escalation once its cause is resolved (the provider accepted, the month was approved), ' +
            'and its open tasks when it completes, so the case handlers\' queue holds only what a journey still waits for. ' +
            'A closed task is done by the journey with the reason as its note; a task already done, or none, is left as it is (200, `closed` empty).',
          tags: ['tasks'],
          body: CloseBody,
          response: { 200: z.object({ closed: z.array(Task) }), ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const { applicationId, kind, key, reason } = req.body;
          const application = await trx.selectFrom('applications').select('application_id').where('application_id', '=', applicationId).executeTakeFirst();
          if (!application) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
          let open = selectTasks(trx).where('tasks.application_id', '=', applicationId).where('tasks.status', '=', 'open');
          if (kind) open = open.where('tasks.kind', '=', kind);
          if (key) open = open.where('tasks.key', '=', key);
          const tasks = await open.orderBy('tasks.created_at').orderBy('tasks.task_id').forUpdate(['tasks']).execute();
          const closed = [];
          for (const task of tasks) {
            const note = `Closed by the journey: ${reason}`;
            const done = await trx
              .updateTable('tasks')
              .set({ status: 'done', done_by: req.principal.sub, done_at: new Date(), note })
              .where('task_id', '=', task.task_id)
              .returningAll()
              .executeTakeFirstOrThrow();
            await audit(trx, req.principal, { action: 'task.closed', entity: 'task', entityId: task.task_id, before: { status: task.status }, after: { status: 'done', note }, correlationId: req.correlationId });
            closed.push(toTask({ ...done, customer_id: task.customer_id, area_id: task.area_id }));
          }
          return { status: 200, body: { closed } };
        }),
    );

    app.get(
      '/tasks',
      {
        config: { roles: ['case-handler', 'operator'] },
        schema: { summary: 'List tasks, oldest first', tags: ['tasks'], querystring: TaskQuery, response: { 200: z.array(Task), ...errors } },
      },
      async (req) => {
        let query = selectTasks(db).orderBy('tasks.created_at').orderBy('tasks.task_id').limit(req.query.limit);
        if (req.query.status) query = query.where('tasks.status', '=', req.query.status);
        if (req.query.kind) query = query.where('tasks.kind', '=', req.query.kind);
        if (req.query.applicationId) query = query.where('tasks.application_id', '=', req.query.applicationId);
        return (await query.execute()).map(toTask);
      },
    );

    app.post(
      '/tasks/:taskId/done',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: 'Mark a task done',
          description: 'A task already done is answered as it stands.',
          tags: ['tasks'],
          params: TaskParams,
          body: DoneBody,
          response: { 200: Task, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const task = await selectTasks(trx).where('tasks.task_id', '=', req.params.taskId).forUpdate(['tasks']).executeTakeFirst();
          if (!task) throw notFound('DECISIONS.TASK_NOT_FOUND', 'No such task.');
          if (task.status === 'done') return { status: 200, body: toTask(task) };
          const done = await trx
            .updateTable('tasks')
            .set({ status: 'done', done_by: req.principal.sub, done_at: new Date(), note: req.body?.note ?? null })
            .where('task_id', '=', task.task_id)
            .returningAll()
            .executeTakeFirstOrThrow();
          const after = toTask({ ...done, customer_id: task.customer_id, area_id: task.area_id });
          await audit(trx, req.principal, { action: 'task.done', entity: 'task', entityId: task.task_id, before: { status: task.status }, after: { status: 'done', note: after.note }, correlationId: req.correlationId });
          return { status: 200, body: after };
        }),
    );
  };
}

function toTask(row: TaskRow) {
  return {
    taskId: row.task_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    kind: row.kind,
    key: row.key,
    message: row.message,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    doneAt: row.done_at?.toISOString() ?? null,
    doneBy: row.done_by,
    note: row.note,
  };
}
