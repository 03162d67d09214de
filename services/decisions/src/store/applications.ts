import type { Expression, Insertable, Selectable, SqlBool } from 'kysely';
import type { DecisionsDb } from './db.js';
import type { DecisionsTables } from './schema.js';

export type ApplicationRow = Selectable<DecisionsTables['applications']>;
export type AssessmentRow = Selectable<DecisionsTables['assessments']>;

export type ApplicationView = {
  applicationId: string;
  customerId: string;
  areaId: string;
  municipality: string;
  channel: ApplicationRow['channel'];
  onBehalfOf: { name: string; relation: string } | null;
  status: ApplicationRow['status'];
  receivedAt: string;
};

export async function insertApplication(db: DecisionsDb, row: Insertable<DecisionsTables['applications']>): Promise<ApplicationRow> {
  return db.insertInto('applications').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The application, locked for the rest of the transaction when `lock` is set; undefined when there is none, or none within `scope` (`applicationScope`). */
export async function findApplication(db: DecisionsDb, applicationId: string, lock = false, scope?: Expression<SqlBool>): Promise<ApplicationRow | undefined> {
  let query = db.selectFrom('applications').selectAll().where('application_id', '=', applicationId);
  if (scope) query = query.where(scope);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function setApplicationStatus(db: DecisionsDb, applicationId: string, status: ApplicationRow['status']): Promise<void> {
  await db.updateTable('applications').set({ status }).where('application_id', '=', applicationId).execute();
}

export async function insertAssessment(db: DecisionsDb, row: Insertable<DecisionsTables['assessments']>): Promise<AssessmentRow> {
  return db.insertInto('assessments').values(row).returningAll().executeTakeFirstOrThrow();
}

export function toApplication(row: ApplicationRow): ApplicationView {
  return {
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    municipality: row.municipality,
    channel: row.channel,
    onBehalfOf: row.on_behalf_name !== null && row.on_behalf_relation !== null ? { name: row.on_behalf_name, relation: row.on_behalf_relation } : null,
    status: row.status,
    receivedAt: row.received_at.toISOString(),
  };
}
