import type { DecisionsDb } from './store/db.js';

/** What the decisions routes need: the database, a nudge for the outbox relay after commit, and the municipality served. */
export type DecisionsDeps = { db: DecisionsDb; afterCommit: () => void; municipality: string };
