import type { DecisionsDb } from './store/db.js';
import type { IdentityVault } from './store/identity-vault.js';

/**
 * What the decisions routes need: the database, a nudge for the outbox relay after commit, the
 * municipality served, and the vault that seals identity numbers (the development keys when omitted).
 */
export type DecisionsDeps = { db: DecisionsDb; afterCommit: () => void; municipality: string; vault?: IdentityVault };
