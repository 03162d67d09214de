/**
 * The orders service: providers and their authorization, provider choice and switching, orders,
 * care plans and nursing-home queues. `server.ts` is the
 * process; these exports let tests build the routes against a database of their own.
 *
 * @packageDocumentation
 */
export { ordersRoutes, ORDERS_SERVICE } from './app.js';
export type { OrdersDeps } from './deps.js';
export type { OrdersDb } from './store/db.js';
export { ordersMigrations } from './store/migrations.js';
export type { OrdersTables } from './store/schema.js';
export { OrdersConfig } from './config.js';
export { startDecisionsConsumer, applyDecisionEvent } from './consumers/decisions.consumer.js';
export { systemClock, stockholmDate } from './calendar.js';
export type { Clock } from './calendar.js';
