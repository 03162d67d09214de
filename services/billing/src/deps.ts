import type { BillingDb } from './store/db.js';
import { loadFinanceSettings, type FinanceSettings } from './finance/config.js';
import { loadDeviationRule } from './follow-up/config.js';
import type { DeviationRule } from './follow-up/granted-delivered.js';

export type { DeviationRule, FinanceSettings };

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

/** The finance settings the deps give, else the environment's (read when a route group is built). */
export function financeSettingsOf(deps: Pick<BillingDeps, 'finance'>): FinanceSettings {
  return deps.finance ?? loadFinanceSettings();
}

/** When granted-against-delivered raises an alert, from the environment (ADR 0036). */
export function deviationRuleOfEnvironment(): DeviationRule {
  return loadDeviationRule();
}
