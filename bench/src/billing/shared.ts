import { billingMigrations } from '@kundval/billing';
import { messagingMigration } from '@kundval/platform';

/**
 * The month billed: February 2026. 28 days from a Sunday, so each weekday occurs exactly four times;
 * Europe/Stockholm is on winter time (UTC+1) all month and there is no Swedish holiday or priced eve
 * in it — which lets the plain loop read a visit's band off its local weekday and clock (see floor.ts).
 */
export const MONTH = '2026-02';
export const MONTH_DAYS = 28;
export const UTC_OFFSET_MINUTES = 60;
/** The day the bank pays the run's batch, fixed so that every repetition writes the same file. */
export const EXECUTION_DATE = '2026-03-05';
/** Nacka's hourly home-care fee, öre (runBillingMonth's default, passed explicitly to both sides). */
export const TARIFF_ORE_PER_HOUR = 31_200;
/** The billing service's schema and migrations, as its server applies them. */
export const SCHEMA = 'billing';
export const MIGRATIONS = { '0000_messaging': messagingMigration, ...billingMigrations };

/** The run's page and batch sizes (runBillingMonth's options); left out, the product's defaults apply. */
export type RunTuning = { visitPageSize?: number; providerPageSize?: number; customerPageSize?: number; insertBatchSize?: number; providersAhead?: number; pagesAhead?: number };
/** runBillingMonth's defaults (services/billing/src/billing-run/run-month.ts), for the floor's fetch size and the report. */
export const PRODUCT_DEFAULTS = { visitPageSize: 5000, providerPageSize: 200, customerPageSize: 1000, insertBatchSize: 500, providersAhead: 1, pagesAhead: 1 } as const;

/** What the orchestrator asks a measurement process to do. */
export type MeasureSpec = {
  mode: 'product' | 'floor';
  url: string;
  tuning: RunTuning;
  floorFetchSize: number;
  /** The product from another build of `@kundval/billing` (its `dist/index.js`, absolute), instead of the workspace's (`--baseline-build`). */
  billingModule?: string;
};

/** What both sides find in the month: compared after every pair, so the floor is known to add up the same money. */
export type Totals = { visitsRead: number; statementsOre: number; feesOre: number };

/** One measurement, from its own process. */
export type Measurement = {
  seconds: number;
  /** CPU time of the measuring process (user + system) over the measured work, s: the rest of the wall time is spent waiting, mostly on the database. */
  cpuSeconds: number;
  /** Peak resident memory of the measuring process over its whole life (`process.resourceUsage().maxRSS`), MB. */
  peakRssMB: number;
  /** Resident memory once connected and ready, just before the measured work, MB. */
  readyRssMB: number;
  totals: Totals;
  /** The product's counts and where its time went (read back from its audit rows); the floor's counts. */
  detail: Record<string, unknown>;
};

export const MB = 1024 * 1024;
