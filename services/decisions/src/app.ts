import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from './deps.js';
import { applicationRoutes } from './routes/applications/index.js';
import { customerRoutes } from './routes/customers/index.js';
import { decisionRoutes } from './routes/decisions/index.js';
import { importRoutes } from './routes/imports/index.js';
import { taskRoutes } from './routes/tasks/index.js';

/** All routes of the decisions service. */
export function decisionsRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(applicationRoutes(deps));
    await app.register(decisionRoutes(deps));
    await app.register(importRoutes(deps));
    await app.register(taskRoutes(deps));
    await app.register(customerRoutes(deps));
  };
}

export const DECISIONS_SERVICE = {
  name: 'decisions',
  version: '0.1.0',
  description:
    'Applications, assessments (IBIC), decisions and their changes and ends, import of decisions made in external case systems, and the case handlers\' tasks; the only service that stores personal identity numbers.',
  schema: 'decisions',
} as const;
