/**
 * The orders service: providers, provider choice, orders and care plans. `server.ts` is the
 * process; these exports let tests build the routes against a database of their own.
 *
 * @packageDocumentation
 */
export { ordersRoutes, ORDERS_SERVICE } from './app.js';
export type { OrdersDeps, OrdersDb } from './app.js';
export { ordersMigrations } from './store/migrations.js';
export type { OrdersTables } from './store/schema.js';
export { OrdersConfig } from './config.js';
export { startDecisionsConsumer } from './consumers/decisions.consumer.js';
