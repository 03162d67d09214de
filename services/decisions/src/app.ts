import type { Kysely } from 'kysely';
import type { FastifyPluginAsyncZod, MessagingTables } from '@kundval/platform';
import type { DecisionsTables } from './store/schema.js';
import type { IdentityVault } from './store/identity-vault.js';
import { developmentVault, sealPlainIdentityNumbers } from './store/decisions.js';
import { applicationRoutes } from './routes/applications/index.js';
import { customerRoutes } from './routes/customers/index.js';
import { customerLookupRoutes } from './routes/customers/lookup.js';
import { decisionRoutes } from './routes/decisions/index.js';
import { importRoutes } from './routes/imports/index.js';
import { taskRoutes } from './routes/tasks/index.js';

export type DecisionsDb = Kysely<DecisionsTables & MessagingTables>;

/**
 * What the decisions routes need: the database, a nudge for the outbox relay after commit, the
 * municipality served, and the vault that seals identity numbers (the development keys when omitted).
 */
export type DecisionsDeps = { db: DecisionsDb; afterCommit: () => void; municipality: string; vault?: IdentityVault };

/** All routes of the decisions service. */
export function decisionsRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    // Rows written before identity numbers were sealed are sealed now (and old keys' rows re-wrapped), before any request.
    if (deps.db) {
      const { sealed, rewrapped } = await sealPlainIdentityNumbers(deps.db, deps.vault ?? developmentVault());
      if (sealed + rewrapped > 0) app.log.info({ sealed, rewrapped }, 'identity numbers sealed under the current key');
    }
    await app.register(applicationRoutes(deps));
    await app.register(decisionRoutes(deps));
    await app.register(importRoutes(deps));
    await app.register(taskRoutes(deps));
    await app.register(customerRoutes(deps));
    await app.register(customerLookupRoutes(deps));
  };
}

export const DECISIONS_SERVICE = {
  name: 'decisions',
  version: '0.1.0',
  description:
    'Applications, assessments (IBIC), decisions and their changes and ends, import of decisions made in external case systems, and the case handlers\' tasks; the only service that stores personal identity numbers.',
  schema: 'decisions',
} as const;
