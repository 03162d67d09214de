import type { Kysely } from 'kysely';
import type { FastifyPluginAsyncZod, MessagingTables } from '@kundval/platform';
import type { DecisionsTables } from './store/schema.js';
import { applicationRoutes } from './routes/applications/index.js';

export type DecisionsDb = Kysely<DecisionsTables & MessagingTables>;

/** What the decisions routes need: the database, a nudge for the outbox relay after commit, and the municipality served. */
export type DecisionsDeps = { db: DecisionsDb; afterCommit: () => void; municipality: string };

/** All routes of the decisions service. */
export function decisionsRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(applicationRoutes(deps));
  };
}

export const DECISIONS_SERVICE = {
  name: 'decisions',
  version: '0.1.0',
  description: 'Applications, assessments (IBIC) and decisions; the only service that stores personal identity numbers.',
  schema: 'decisions',
} as const;
