import type { Migration } from 'kysely';
import { createIdempotencyTable } from '@kundval/platform';

/** The platform's Idempotency-Key table (ADR 0016). Numbered 05xx to sort after the order changes. */
export const idempotencyMigrations: Record<string, Migration> = {
  '0501_platform_idempotency_keys': {
    async up(db) {
      // One Idempotency-Key mechanism for every service: the platform's table, scoped by caller,
      // method and concrete path, replaces this service's (scoped by role and subject, stored after
      // commit). Keys kept so far are dropped: their scope cannot be carried into the new one, and
      // every billing command is also idempotent by its business key, so a retry across this
      // migration is answered by that rule.
      await db.schema.dropTable('idempotency_keys').execute();
      await createIdempotencyTable(db);
    },
  },
};
