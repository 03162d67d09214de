import { inject } from 'vitest';
import { messagingMigration, openDatabase, type MessagingTables } from '@kundval/platform';
import { testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import type { QueryContext, UseCaseContext } from '../application/context.js';
import type { DecisionsDb } from '../store/db.js';
import { decisionsMigrations } from '../store/migrations.js';
import type { DecisionsTables } from '../store/schema.js';

/** The instant the use-case tests run at. */
export const USE_CASE_NOW = new Date('2026-01-20T09:00:00+01:00');

/** The decisions schema on `engine` with no app in front: what the use-case tests run against. */
export async function openDecisionsStore(engine: TestEngine, label: string) {
  const database = await openDatabase<DecisionsTables & MessagingTables>({
    url: await testDatabaseUrl(engine, inject('postgresUrl'), label),
    schema: 'decisions',
    migrations: { '0000_messaging': messagingMigration, ...decisionsMigrations },
  });
  return { db: database.db as DecisionsDb, close: () => database.close() };
}

/** Runs `work` in one transaction with the context a command's use case gets (municipality `nacka`, the clock at {@link USE_CASE_NOW}). */
export async function inUseCase<T>(db: DecisionsDb, principal: Principal, work: (ctx: UseCaseContext) => Promise<T>): Promise<T> {
  return db
    .transaction()
    .execute((trx) => work({ db: trx, now: USE_CASE_NOW, today: '2026-01-20', principal, correlationId: 'use-case-test', newId: () => crypto.randomUUID(), municipality: 'nacka' }));
}

export function queryAs(db: DecisionsDb, principal: Principal): QueryContext {
  return { db, principal };
}
