/**
 * The billing service: delivered visits, approvals, customer fees and provider payments.
 * `server.ts` is the process; these exports let tests build the routes against a database of their own.
 *
 * @packageDocumentation
 */
export { billingRoutes, BILLING_SERVICE } from './app.js';
export type { BillingDeps, BillingDb } from './app.js';
export { billingMigrations } from './store/migrations.js';
export type { BillingTables } from './store/schema.js';
export { BillingConfig } from './config.js';
export { startOrdersConsumer } from './consumers/orders.consumer.js';
