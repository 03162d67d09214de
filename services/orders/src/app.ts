import type { Kysely } from 'kysely';
import type { FastifyPluginAsyncZod, MessagingTables } from '@kundval/platform';
import type { OrdersTables } from './store/schema.js';
import { providerRoutes } from './routes/providers/index.js';
import { orderRoutes } from './routes/orders/index.js';

export type OrdersDb = Kysely<OrdersTables & MessagingTables>;
export type OrdersDeps = { db: OrdersDb; afterCommit: () => void };

/** All routes of the orders service. */
export function ordersRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(providerRoutes(deps));
    await app.register(orderRoutes(deps));
  };
}

export const ORDERS_SERVICE = {
  name: 'orders',
  version: '0.1.0',
  description: 'Providers and their authorization, provider choice, orders and care plans.',
  schema: 'orders',
} as const;
