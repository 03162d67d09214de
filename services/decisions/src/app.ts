import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from './deps.js';
import { developmentVault, sealPlainIdentityNumbers } from './store/decisions.js';
import { rehashLookupHashes } from './application/identity/rehash-identity-numbers.js';
import { applicationRoutes } from './routes/applications/index.js';
import { customerRoutes } from './routes/customers/index.js';
import { customerLookupRoutes } from './routes/customers/lookup.js';
import { decisionRoutes } from './routes/decisions/index.js';
import { importRoutes } from './routes/imports/index.js';
import { taskRoutes } from './routes/tasks/index.js';

/** All routes of the decisions service. */
export function decisionsRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    // Rows written before identity numbers were sealed are sealed now (and old keys' rows re-wrapped), before any request.
    const vault = deps.vault ?? developmentVault();
    // (The authorization matrix registers the routes without a database: nothing to seal there.)
    if (deps.db) {
      const { sealed, rewrapped } = await sealPlainIdentityNumbers(deps.db, vault);
      if (sealed + rewrapped > 0) app.log.info({ sealed, rewrapped }, 'identity numbers sealed under the current key');
      // Rows hashed with an older look-up key move to the current one beside the requests; look-ups try every configured key meanwhile.
      const db = deps.db;
      void rehashLookupHashes(db, vault, app.log).catch((err: unknown) => app.log.error({ err }, 'the re-hash of identity look-up hashes stopped; it resumes at the next start'));
    }
    const withVault = { ...deps, vault };
    await app.register(applicationRoutes(withVault));
    await app.register(decisionRoutes(withVault));
    await app.register(importRoutes(withVault));
    await app.register(taskRoutes(withVault));
    await app.register(customerRoutes(withVault));
    await app.register(customerLookupRoutes(withVault));
  };
}

export const DECISIONS_SERVICE = {
  name: 'decisions',
  version: '0.1.0',
  description:
    'Applications, assessments (IBIC), decisions and their changes and ends, import of decisions made in external case systems, and the case handlers\' tasks; the only service that stores personal identity numbers.',
  schema: 'decisions',
} as const;
