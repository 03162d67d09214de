import { closeOnSignals, loadConfig, runService } from '@kundval/platform';
import { DecisionsConfig } from './config.js';
import { DECISIONS_SERVICE, decisionsRoutes } from './app.js';
import type { DecisionsDb } from './store/db.js';
import { decisionsMigrations } from './store/migrations.js';
import { createIdentityVault } from './store/identity-vault.js';
import type { DecisionsTables } from './store/schema.js';
import { startFollowUpConsumer } from './consumers/follow-up.consumer.js';

const config = loadConfig(DecisionsConfig);
const service = await runService<DecisionsTables>({
  ...DECISIONS_SERVICE,
  migrations: decisionsMigrations,
  config,
  routes: (rt) =>
    decisionsRoutes({
      db: rt.database.db as DecisionsDb,
      afterCommit: () => rt.relay.kick(),
      municipality: config.MUNICIPALITY,
      vault: createIdentityVault({ keys: config.IDENTITY_KEYS, lookupKey: config.IDENTITY_LOOKUP_KEY }),
    }),
  consumers: async (rt) => [await startFollowUpConsumer({ bus: rt.bus, db: rt.database.db as DecisionsDb, logger: rt.logger })],
});
closeOnSignals(service.close, service.runtime.logger);
