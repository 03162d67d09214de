import type { RouteAccess } from '@kundval/platform/testing';

/*
 * Billing's authorization matrix, one table per matrix test (each starts the route groups it
 * calls): authorization.test.ts, authorization-units.test.ts and authorization-finance.test.ts.
 * The last also starts the whole app and holds every route it registers to a row of one of them,
 * so a new route without a row fails (checked: a row removed fails it).
 */

/**
 * Who may call what in billing's visit, settlement and rate routes: one row per route, mirroring
 * its `config.roles`. `ownOnly` roles are refused (403) on another's owner in the path; for
 * `hidesOthers` roles another's record is not found (404, ADR 0042).
 */
export const VISITS_SETTLEMENT_RATES: RouteAccess[] = [
  { route: 'POST /orders/:orderId/visits', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'GET /orders/:orderId/visits', roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'], hidesOthers: ['provider', 'citizen'] },
  // People approve through the journey (ADR 0029); this is the journey's command, carried as `system` on their behalf.
  { route: 'POST /orders/:orderId/months/:month/approval', roles: ['system'] },
  { route: 'POST /orders/:orderId/months/:month/disputes/resolve', roles: ['case-handler'] },
  { route: 'POST /orders/:orderId/months/:month/nothing-delivered', roles: ['case-handler'] },
  { route: 'PUT /customers/:customerId/fee-basis', roles: ['case-handler'] },
  { route: 'POST /fees', roles: ['system', 'finance'] },
  { route: 'GET /customers/:customerId/invoices', roles: ['citizen', 'case-handler', 'finance', 'operator'], ownOnly: ['citizen'] },
  { route: 'GET /invoices/:invoiceId', roles: ['citizen', 'finance'], hidesOthers: ['citizen'] },
  { route: 'GET /invoices', roles: ['finance'] },
  { route: 'POST /provider-payments', roles: ['system', 'finance'] },
  { route: 'GET /providers/:providerId/payments', roles: ['provider', 'finance', 'operator'], ownOnly: ['provider'] },
  { route: 'PUT /rate-tables/:rateTableId', roles: ['finance', 'administrator'] },
  { route: 'GET /rate-tables', roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
  { route: 'PUT /unit-rate-tables/:unitRateTableId', roles: ['finance', 'administrator'] },
  { route: 'GET /unit-rate-tables', roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
];

/**
 * Who may call billing's delivery (occupancy, attendance, sessions, visit files), statement, billing-run, recharge and follow-up routes: one row per route, mirroring
 * its `config.roles` (the visit, settlement and rate routes have their matrix in authorization.test.ts).
 */
export const DELIVERIES_RUNS_FOLLOW_UP: RouteAccess[] = [
  { route: 'POST /orders/:orderId/occupancy', roles: ['provider', 'case-handler'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/attendance', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'GET /providers/:providerId/statements/:month', roles: ['provider', 'finance', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /billing-runs', roles: ['finance', 'system'] },
  { route: 'GET /billing-runs/:month', roles: ['finance', 'operator', 'system'] },
  { route: 'GET /municipal-recharges', roles: ['finance', 'operator'] },
  { route: 'GET /municipal-recharges/netting', roles: ['finance', 'operator'] },
  { route: 'GET /follow-up/granted-delivered', roles: ['finance', 'case-handler', 'operator', 'provider'], ownOnly: ['provider'] },
  { route: 'GET /follow-up/granted-delivered.csv', roles: ['finance', 'case-handler', 'operator', 'provider'], ownOnly: ['provider'] },
  { route: 'POST /follow-up/alerts', roles: ['case-handler', 'operator', 'system'] },
  { route: 'GET /follow-up/alerts', roles: ['case-handler', 'operator', 'finance'] },
  { route: 'POST /orders/:orderId/sessions', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'GET /orders/:orderId/sessions', roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'], hidesOthers: ['provider', 'citizen'] },
  { route: 'POST /orders/:orderId/sessions/import', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/visits/import', roles: ['provider'], hidesOthers: ['provider'] },
];

/**
 * Who may call billing's fee statement and fee credits, reminders, provider credits and their
 * invoices, the customers' payments from the bank files, the providers' accounts, the payment
 * batches with their files and the bank's answers, and the ledger export (authorization-finance.test.ts).
 */
export const FEES_CREDITS_PAYMENTS: RouteAccess[] = [
  { route: 'GET /customers/:customerId/fee-statement', roles: ['citizen', 'case-handler', 'finance', 'operator'], ownOnly: ['citizen'] },
  { route: 'GET /fee-credits', roles: ['finance', 'operator'] },
  { route: 'POST /fee-invoices/reminders', roles: ['finance', 'system'] },
  { route: 'POST /fee-credits/payback', roles: ['finance', 'system'] },
  { route: 'GET /provider-credits', roles: ['finance', 'operator'] },
  { route: 'GET /providers/:providerId/credits', roles: ['provider', 'finance', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /provider-credits/invoices', roles: ['finance', 'system'] },
  { route: 'GET /provider-invoices', roles: ['finance', 'operator'] },
  { route: 'POST /incoming-payments/bgmax', roles: ['finance'] },
  { route: 'POST /incoming-payments/camt054', roles: ['finance'] },
  { route: 'GET /incoming-payments', roles: ['finance', 'operator'] },
  { route: 'GET /customer-credits', roles: ['finance', 'operator'] },
  { route: 'PUT /providers/:providerId/account', roles: ['finance', 'administrator'] },
  { route: 'POST /payment-batches', roles: ['finance'] },
  { route: 'GET /payment-batches/:batchId', roles: ['finance'] },
  { route: 'GET /payment-batches/:batchId/pain001', roles: ['finance'] },
  { route: 'POST /payment-batches/:batchId/sent', roles: ['finance'] },
  { route: 'POST /payment-batches/:batchId/status-report', roles: ['finance'] },
  { route: 'POST /payment-batches/:batchId/rejections', roles: ['finance'] },
  { route: 'POST /payment-batches/:batchId/retry', roles: ['finance'] },
  { route: 'GET /exports/sie', roles: ['finance'] },
];
