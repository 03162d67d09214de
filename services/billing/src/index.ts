/**
 * The billing service: delivered visits, attendance and occupancy, approvals and disputes, customer
 * fees and provider payments as append-only corrections, statements and the monthly billing run.
 * `server.ts` is the process; these exports let tests and benchmarks build the routes, or run a
 * month's billing, against a database of their own.
 *
 * @packageDocumentation
 */
export { billingRoutes, BILLING_SERVICE } from './app.js';
export type { BillingDeps } from './deps.js';
export type { BillingDb } from './store/db.js';
export { billingMigrations } from './store/migrations.js';
export type { BillingTables } from './store/schema.js';
export { BillingConfig } from './config.js';
export { startOrdersConsumer, applyOrderEvent, applyOrderChange, applyOrderChanges } from './consumers/orders.consumer.js';
export { runBillingMonth, RUN_BASIS } from './billing-run/run-month.js';
export type { BillingRunOptions, BillingRunResult } from './billing-run/run-month.js';
export { priceProviderMonth } from './billing-run/provider-month.js';
export type { ProviderMonthStatement } from './billing-run/provider-month.js';
export { ensureDemoUnitRateTables } from './areas.js';
