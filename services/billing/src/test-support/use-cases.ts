import { inject } from 'vitest';
import { messagingMigration, openDatabase, type MessagingTables } from '@kundval/platform';
import { testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import type { QueryContext, UseCaseContext } from '../application/context.js';
import type { BillingDb } from '../store/db.js';
import { billingMigrations } from '../store/migrations.js';
import type { BillingTables } from '../store/schema.js';

/** The instant the use-case tests run at: 10 June 2025, noon in Stockholm. */
export const TEST_NOW = new Date('2025-06-10T10:00:00Z');

/**
 * The billing schema on `engine` with no app in front: what the use-case tests run against. The use
 * cases get their context from {@link inUseCase}, as the HTTP adapter (`routes/use-case.ts`) builds it.
 */
export async function openBillingStore(engine: TestEngine, label: string) {
  const database = await openDatabase<BillingTables & MessagingTables>({
    url: await testDatabaseUrl(engine, inject('postgresUrl'), label),
    schema: 'billing',
    migrations: { '0000_messaging': messagingMigration, ...billingMigrations },
  });
  return { db: database.db as BillingDb, close: () => database.close() };
}

/** Ids the tests can predict: `00000000-0000-4000-8000-<n>` counting from 1 per context. */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

/** Runs `work` in one transaction with the context a command's use case gets; it commits when `work` returns. */
export async function inUseCase<T>(db: BillingDb, principal: Principal, work: (ctx: UseCaseContext) => Promise<T>, now = TEST_NOW): Promise<T> {
  return db.transaction().execute((trx) => work({ db: trx, principal, correlationId: 'use-case-test', now, newId: sequentialIds() }));
}

/** The context a query use case gets. */
export function queryAs(db: BillingDb, principal: Principal, now = TEST_NOW): QueryContext {
  return { db, principal, now };
}
