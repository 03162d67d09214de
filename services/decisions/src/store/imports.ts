import { sql, type Insertable } from 'kysely';
import type { DecisionsDb } from './db.js';
import type { DecisionsTables } from './schema.js';

/** A record imported before from `source` under `externalId`, with its decision's application, locked for the transaction. */
export async function lockImportedRecord(db: DecisionsDb, source: string, externalId: string) {
  return db
    .selectFrom('decision_imports')
    .innerJoin('decisions', 'decisions.decision_id', 'decision_imports.decision_id')
    .select(['decision_imports.decision_id', 'decision_imports.record', 'decisions.application_id'])
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .forUpdate(['decision_imports'])
    .executeTakeFirst();
}

export async function insertImportedRecord(db: DecisionsDb, row: Insertable<DecisionsTables['decision_imports']>): Promise<void> {
  await db.insertInto('decision_imports').values(row).execute();
}

export async function updateImportedRecord(db: DecisionsDb, source: string, externalId: string, record: string): Promise<void> {
  await db.updateTable('decision_imports').set({ record, updated_at: new Date() }).where('source', '=', source).where('external_id', '=', externalId).execute();
}

/** The savepoint one imported record is written under, so that a refused record rolls back alone. */
export const importSavepoint = {
  begin: (db: DecisionsDb) => sql`savepoint import_record`.execute(db),
  rollback: (db: DecisionsDb) => sql`rollback to savepoint import_record`.execute(db),
  release: (db: DecisionsDb) => sql`release savepoint import_record`.execute(db),
};
