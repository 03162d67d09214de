import { closeOnSignals, loadConfig, runService } from '@kundval/platform';
import { BillingConfig } from './config.js';
import { BILLING_SERVICE, billingRoutes } from './app.js';
import type { BillingDb } from './store/db.js';
import { billingMigrations } from './store/migrations.js';
import type { BillingTables } from './store/schema.js';
import { startOrdersConsumer } from './consumers/orders.consumer.js';
import { registerBillingRunMetrics } from './billing-run/metrics.js';

const config = loadConfig(BillingConfig);
const service = await runService<BillingTables>({
  ...BILLING_SERVICE,
  migrations: billingMigrations,
  config,
  routes: (rt) => {
    registerBillingRunMetrics(rt.metrics, rt.database.db as BillingDb);
    return billingRoutes({
      db: rt.database.db as BillingDb,
      afterCommit: () => rt.relay.kick(),
      tariffOrePerHour: config.HOME_CARE_TARIFF_ORE_PER_HOUR,
      ...(config.DEMO_UNIT_RATE_TABLES ? { demoUnitRateTablesFor: config.MUNICIPALITY } : {}),
    });
  },
  consumers: async (rt) => [await startOrdersConsumer({ bus: rt.bus, db: rt.database.db as BillingDb, logger: rt.logger })],
});
closeOnSignals(service.close, service.runtime.logger);
