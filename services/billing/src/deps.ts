import type { BillingDb } from './store/db.js';
import type { FinanceSettings } from './finance/config.js';

export type BillingDeps = {
  db: BillingDb;
  afterCommit: () => void;
  tariffOrePerHour: number;
  /** Payer account and names for payment files; read from the environment where left out. */
  finance?: FinanceSettings;
  /** Seed the unit areas' demo rate tables for this municipality at start (nothing when absent). */
  demoUnitRateTablesFor?: string;
  /** Now, for rules about the calendar (is a month over?); the system clock unless a test fixes it. */
  clock?: () => Date;
};
