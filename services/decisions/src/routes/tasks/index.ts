import { z } from 'zod';
import { TaskKind } from '@kundval/contracts';
import { ErrorBody, scrubIdentityNumbers, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { closeTasks, escalate, listTasks, markTaskDone } from '../../application/tasks/tasks.js';
import { FreeText } from '../../schemas.js';
import { queryContext, useCaseRunner } from '../use-case.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

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
  applicationId: z.uuid().nullable().describe("Null for a task about a provider (a low survey score) rather than a customer's journey"),
  customerId: z.uuid().nullable(),
  areaId: z.string(),
  providerId: z.string().nullable().describe('The provider a survey follow-up is about'),
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


/** The case handlers' work queue: the journey escalates (overdue acceptance, disputes, expiring decisions) by adding tasks. */
export function taskRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  const query = queryContext(deps);

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
      async (req, reply) => run(req, reply, (ctx) => escalate(ctx, req.body)),
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
      async (req, reply) => run(req, reply, (ctx) => closeTasks(ctx, req.body)),
    );

    app.get(
      '/tasks',
      {
        config: { roles: ['case-handler', 'operator'] },
        schema: { summary: 'List tasks, oldest first', tags: ['tasks'], querystring: TaskQuery, response: { 200: z.array(Task), ...errors } },
      },
      async (req) => listTasks(query(req), req.query),
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
      async (req, reply) => run(req, reply, (ctx) => markTaskDone(ctx, { ...req.params, note: req.body?.note })),
    );

  };
}

