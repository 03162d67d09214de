import type { Kysely } from 'kysely';
import type { FastifyPluginAsyncZod, MessagingTables } from '@kundval/platform';
import type { BillingTables } from './store/schema.js';
import { visitRoutes } from './routes/visits/index.js';
import { settlementRoutes } from './routes/settlement/index.js';
import { rateRoutes } from './routes/rates/index.js';
import { financeRoutes } from './routes/finance/index.js';
import { importRoutes } from './routes/imports/index.js';

export type BillingDb = Kysely<BillingTables & MessagingTables>;
export type BillingDeps = { db: BillingDb; afterCommit: () => void; tariffOrePerHour: number };

/** All routes of the billing service. */
export function billingRoutes(deps: BillingDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(visitRoutes(deps));
    await app.register(settlementRoutes(deps));
    await app.register(rateRoutes(deps));
    await app.register(financeRoutes(deps));
    await app.register(importRoutes(deps));
  };
}

export const BILLING_SERVICE = {
  name: 'billing',
  version: '0.1.0',
  description: 'Delivered visits and their approval, customer fees with OCR invoices, provider payments by time band.',
  schema: 'billing',
} as const;
