import type { Kysely } from 'kysely';
import type { MessagingTables } from '@kundval/platform';
import type { OrdersTables } from './schema.js';

/**
 * The service's database handle: its own schema's tables and the platform's messaging tables
 * (outbox, inbox, audit, idempotency). A module of its own so that routes, use cases and store
 * files can take the type without importing `app.ts`, which imports them (no cycle).
 */
export type OrdersDb = Kysely<OrdersTables & MessagingTables>;
