import { sql, type Expression, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { DecisionsDb } from './db.js';
import type { DecisionsTables } from './schema.js';

type TaskTable = DecisionsTables['tasks'];
export type TaskRow = Omit<Selectable<TaskTable>, 'area_id'> & { customer_id: string | null; area_id: string };
export type TaskKind = TaskTable['kind'];
export type TaskStatus = TaskRow['status'];

export type TaskView = {
  taskId: string;
  /** Null for a task about a provider rather than a customer's journey. */
  applicationId: string | null;
  customerId: string | null;
  areaId: string;
  providerId: string | null;
  kind: TaskKind;
  key: string;
  message: string;
  status: TaskStatus;
  createdAt: string;
  doneAt: string | null;
  doneBy: string | null;
  note: string | null;
};

/** Tasks with their application's customer and area (a provider's task: its own area, no customer). */
export function selectTasks(db: DecisionsDb) {
  return db
    .selectFrom('tasks')
    .leftJoin('applications', 'applications.application_id', 'tasks.application_id')
    .select([
      'tasks.task_id',
      'tasks.application_id',
      'tasks.provider_id',
      'tasks.kind',
      'tasks.key',
      'tasks.message',
      'tasks.status',
      'tasks.created_by',
      'tasks.created_at',
      'tasks.done_by',
      'tasks.done_at',
      'tasks.note',
      'applications.customer_id',
      sql<string>`coalesce(applications.area_id, tasks.area_id)`.as('area_id'),
    ]);
}

/** Inserts a provider's task (no application) unless one of this kind and key exists; its id when inserted. */
export async function insertProviderTaskOnce(db: DecisionsDb, row: Insertable<TaskTable> & { application_id: null; provider_id: string; area_id: string }): Promise<string | undefined> {
  const inserted = await db
    .insertInto('tasks')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'key']).where('application_id', 'is', null).doNothing())
    .returning('task_id')
    .executeTakeFirst();
  return inserted?.task_id;
}

/** Inserts the task unless the application already has one of this kind and key; its id when inserted. */
export async function insertTaskOnce(db: DecisionsDb, row: Insertable<TaskTable>): Promise<string | undefined> {
  const inserted = await db
    .insertInto('tasks')
    .values(row)
    .onConflict((oc) => oc.columns(['application_id', 'kind', 'key']).doNothing())
    .returning('task_id')
    .executeTakeFirst();
  return inserted?.task_id;
}

export async function findTask(db: DecisionsDb, q: { applicationId: string; kind: TaskKind; key: string }): Promise<TaskRow> {
  return selectTasks(db).where('tasks.application_id', '=', q.applicationId).where('tasks.kind', '=', q.kind).where('tasks.key', '=', q.key).executeTakeFirstOrThrow();
}

/** The application's open tasks (of `kind`, of `key`), oldest first, locked for the transaction. */
export async function lockOpenTasks(db: DecisionsDb, q: { applicationId: string; kind?: TaskKind | undefined; key?: string | undefined }): Promise<TaskRow[]> {
  let open = selectTasks(db).where('tasks.application_id', '=', q.applicationId).where('tasks.status', '=', 'open');
  if (q.kind) open = open.where('tasks.kind', '=', q.kind);
  if (q.key) open = open.where('tasks.key', '=', q.key);
  return open.orderBy('tasks.created_at').orderBy('tasks.task_id').forUpdate(['tasks']).execute();
}

export async function lockTask(db: DecisionsDb, taskId: string, scope?: Expression<SqlBool>): Promise<TaskRow | undefined> {
  let query = selectTasks(db).where('tasks.task_id', '=', taskId);
  if (scope) query = query.where(scope);
  return query.forUpdate(['tasks']).executeTakeFirst();
}

export async function updateTask(db: DecisionsDb, task: TaskRow, set: Updateable<TaskTable>): Promise<TaskRow> {
  const { area_id: _own, ...done } = await db.updateTable('tasks').set(set).where('task_id', '=', task.task_id).returningAll().executeTakeFirstOrThrow();
  return { ...done, customer_id: task.customer_id, area_id: task.area_id };
}

export async function listTasks(db: DecisionsDb, q: { status?: TaskStatus | undefined; kind?: TaskKind | undefined; applicationId?: string | undefined; limit: number }, scope?: Expression<SqlBool>): Promise<TaskRow[]> {
  let query = selectTasks(db).orderBy('tasks.created_at').orderBy('tasks.task_id').limit(q.limit);
  if (scope) query = query.where(scope);
  if (q.status) query = query.where('tasks.status', '=', q.status);
  if (q.kind) query = query.where('tasks.kind', '=', q.kind);
  if (q.applicationId) query = query.where('tasks.application_id', '=', q.applicationId);
  return query.execute();
}

export function toTask(row: TaskRow): TaskView {
  return {
    taskId: row.task_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    providerId: row.provider_id,
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
