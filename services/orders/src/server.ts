import { closeOnSignals, loadConfig, runService } from '@kundval/platform';
import { OrdersConfig } from './config.js';
import { ORDERS_SERVICE, ordersRoutes } from './app.js';
import type { OrdersDb } from './store/db.js';
import { ordersMigrations } from './store/migrations.js';
import type { OrdersTables } from './store/schema.js';
import { startDecisionsConsumer } from './consumers/decisions.consumer.js';

const config = loadConfig(OrdersConfig);
const service = await runService<OrdersTables>({
  ...ORDERS_SERVICE,
  migrations: ordersMigrations,
  config,
  routes: (rt) => ordersRoutes({ db: rt.database.db as OrdersDb, afterCommit: () => rt.relay.kick(), surveyFollowUpBelow: config.SURVEY_FOLLOW_UP_BELOW }),
  consumers: async (rt) => [await startDecisionsConsumer({ bus: rt.bus, db: rt.database.db as OrdersDb, logger: rt.logger, afterCommit: () => rt.relay.kick() })],
});
closeOnSignals(service.close, service.runtime.logger);
