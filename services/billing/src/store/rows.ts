import type { Selectable } from 'kysely';
import type { BillingTables } from './schema.js';

/** The billing service's copy of an order, as `areas.ts` and the visit, session and payment rules read it. */
export type OrderRow = Selectable<BillingTables['orders']>;
