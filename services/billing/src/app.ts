import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { BillingDeps } from './deps.js';
import { ensureDemoUnitRateTables } from './areas.js';
import { visitRoutes } from './routes/visits/index.js';
import { settlementRoutes } from './routes/settlement/index.js';
import { rateRoutes } from './routes/rates/index.js';
import { financeRoutes } from './routes/finance/index.js';
import { providerCreditRoutes } from './routes/finance/provider-credits.js';
import { importRoutes } from './routes/imports/index.js';
import { deliveryRoutes } from './routes/deliveries/index.js';
import { statementRoutes } from './routes/statements/index.js';
import { billingRunRoutes } from './routes/billing-runs/index.js';
import { rechargeRoutes } from './routes/recharges/index.js';
import { sessionRoutes } from './routes/sessions/index.js';
import { followUpRoutes } from './routes/follow-up/index.js';
import { feeCreditRoutes } from './routes/fee-credits/index.js';
import { providerInvoiceRoutes } from './routes/provider-invoices/index.js';

/** All routes of the billing service; every command runs through the platform's command runner (Idempotency-Key, ADR 0016). */
export function billingRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  return async (app) => {
    if (deps.demoUnitRateTablesFor) await ensureDemoUnitRateTables(deps.db, deps.demoUnitRateTablesFor);
    await app.register(visitRoutes(deps));
    await app.register(settlementRoutes(deps));
    await app.register(rateRoutes(deps));
    await app.register(financeRoutes(deps, deps.finance));
    await app.register(providerCreditRoutes(deps));
    await app.register(importRoutes(deps));
    await app.register(deliveryRoutes(deps));
    await app.register(sessionRoutes(deps));
    await app.register(statementRoutes(deps));
    await app.register(billingRunRoutes(deps));
    await app.register(rechargeRoutes(deps));
    await app.register(followUpRoutes(deps));
    await app.register(feeCreditRoutes(deps));
    await app.register(providerInvoiceRoutes(deps));
  };
}

export const BILLING_SERVICE = {
  name: 'billing',
  version: '0.1.0',
  description:
    'Delivered visits, sessions, attendance and occupancy and their approval, disputes, months closed with nothing delivered, customer fees with OCR invoices, provider payments by time band and level as append-only corrections, recharges to the municipality that placed a customer here, statements, the monthly billing run, payment files and the bank’s answers to them, customers’ payments of fee invoices and their reminders.',
  schema: 'billing',
} as const;
