import type { FastifyPluginAsyncZod } from '@kundval/platform';
import type { OrdersDeps } from './deps.js';
import { providerRoutes } from './routes/providers/index.js';
import { authorizationRoutes } from './routes/authorizations/index.js';
import { choiceRoutes } from './routes/choice/index.js';
import { orderRoutes } from './routes/orders/index.js';
import { orderChangeRoutes } from './routes/orders/changes.js';
import { placeRoutes } from './routes/places/index.js';
import { surveyRoutes } from './routes/surveys/index.js';

/** All routes of the orders service. */
export function ordersRoutes(deps: OrdersDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(providerRoutes(deps));
    await app.register(authorizationRoutes(deps));
    await app.register(choiceRoutes(deps));
    await app.register(orderRoutes(deps));
    await app.register(orderChangeRoutes(deps));
    await app.register(placeRoutes(deps));
    await app.register(surveyRoutes(deps));
  };
}

export const ORDERS_SERVICE = {
  name: 'orders',
  version: '0.1.0',
  description: 'Providers and their authorization, provider choice and switching, orders, care plans and nursing-home queues.',
  schema: 'orders',
} as const;
