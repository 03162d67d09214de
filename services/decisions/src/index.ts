/**
 * The decisions service: applications, assessments, decisions and their changes and ends, imports
 * from external case systems and the case handlers' tasks. `server.ts` is the process;
 * these exports let tests build the routes against a database of their own.
 *
 * @packageDocumentation
 */
export { decisionsRoutes, DECISIONS_SERVICE } from './app.js';
export type { DecisionsDeps } from './deps.js';
export type { DecisionsDb } from './store/db.js';
export { decisionsMigrations } from './store/migrations.js';
export type { DecisionsTables } from './store/schema.js';
export { DecisionsConfig } from './config.js';
