import { inject } from 'vitest';
import { messagingMigration, openDatabase } from '@kundval/platform';
import { testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import type { UseCaseContext, QueryContext } from '../application/context.js';
import type { OrdersDb } from '../store/db.js';
import { ordersMigrations } from '../store/migrations.js';
import type { OrdersTables } from '../store/schema.js';
import type { MessagingTables } from '@kundval/platform';
import { TEST_NOW, TEST_TODAY } from './orders-service.js';

/**
 * The orders schema on `engine` with no app in front: what the use-case tests run against. The
 * use cases get their context from {@link inUseCase}, as the HTTP adapter would build it.
 */
export async function openOrdersStore(engine: TestEngine, label: string) {
  const database = await openDatabase<OrdersTables & MessagingTables>({
    url: await testDatabaseUrl(engine, inject('postgresUrl'), label),
    schema: 'orders',
    migrations: { '0000_messaging': messagingMigration, ...ordersMigrations },
  });
  return { db: database.db as OrdersDb, close: () => database.close() };
}

/** Ids the tests can predict: `00000000-0000-4000-8000-<n>` counting from 1 per context. */
export function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

/**
 * Runs `work` in one transaction with the context a command's use case gets: today and now fixed at
 * the test instant, `principal` as the actor. The transaction commits when `work` returns.
 */
export async function inUseCase<T>(db: OrdersDb, principal: Principal, work: (ctx: UseCaseContext) => Promise<T>, newId = sequentialIds()): Promise<T> {
  return db.transaction().execute((trx) => work({ db: trx, today: TEST_TODAY, now: TEST_NOW, actor: principal, principal, correlationId: 'use-case-test', newId }));
}

/** The context a query use case gets. */
export function queryAs(db: OrdersDb, principal: Principal): QueryContext {
  return { db, today: TEST_TODAY, principal };
}
