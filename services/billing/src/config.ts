import { z } from 'zod';
import { BaseServiceConfig, refuseDevelopmentSettingsInProduction, sharedProductionProblems, type SettingProblem } from '@kundval/platform';
import { FinanceConfig } from './finance/config.js';

/** The demo Bankgiro number customer invoices name by default; production must set the municipality's own. */
export const DEMO_BANKGIRO = '56781234';

const BillingSettings = BaseServiceConfig.extend({
  /** The municipality's hourly home-care fee (taxa), öre per hour; Nacka 2024: 312 SEK/h (DOMAIN.md §3). */
  HOME_CARE_TARIFF_ORE_PER_HOUR: z.coerce.number().int().positive().default(31_200),
  /** The debtor Bankgiro account customer invoices are paid to, for OCR invoices. */
  MUNICIPALITY_BANKGIRO: z.string().regex(/^\d{7,8}$/).default(DEMO_BANKGIRO),
  /**
   * Seed the unit areas' demo voucher tables (nursing home, day activities, …) from their definitions
   * for MUNICIPALITY at start, for any area finance has not configured. Demo values: set `false` in
   * production and PUT /unit-rate-tables the decided amounts.
   */
  DEMO_UNIT_RATE_TABLES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Read here only so production can refuse the demo account; the finance settings own it (finance/config.ts). */
  FINANCE_PAYER_IBAN: FinanceConfig.shape.FINANCE_PAYER_IBAN,
});

/** The finance settings' demo payer account, from its one home: the default FinanceConfig gives an unset variable. */
const DEMO_PAYER_IBAN = FinanceConfig.shape.FINANCE_PAYER_IBAN.parse(undefined);

/** What production refuses beyond the shared settings: billing's demo values, which would pay and invoice with fictitious accounts and amounts. */
export function billingProductionProblems(config: z.infer<typeof BillingSettings>): SettingProblem[] {
  return [
    ...sharedProductionProblems(config),
    ...(config.DEMO_UNIT_RATE_TABLES ? [{ setting: 'DEMO_UNIT_RATE_TABLES', reason: "seeds the demo rate tables; set false and PUT /unit-rate-tables the municipality's decided amounts" }] : []),
    ...(config.MUNICIPALITY_BANKGIRO === DEMO_BANKGIRO ? [{ setting: 'MUNICIPALITY_BANKGIRO', reason: `is the demo Bankgiro number (${DEMO_BANKGIRO}); set the municipality's own` }] : []),
    ...(config.FINANCE_PAYER_IBAN === DEMO_PAYER_IBAN ? [{ setting: 'FINANCE_PAYER_IBAN', reason: "is the demo payer account; set the municipality's own IBAN" }] : []),
  ];
}

export const BillingConfig = BillingSettings.superRefine(refuseDevelopmentSettingsInProduction(billingProductionProblems));
export type BillingConfig = z.infer<typeof BillingConfig>;
