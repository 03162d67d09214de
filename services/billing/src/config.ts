import { z } from 'zod';
import { BaseServiceConfig } from '@kundval/platform';

export const BillingConfig = BaseServiceConfig.extend({
  /** The municipality's hourly home-care fee (taxa), öre per hour; Nacka 2024: 312 SEK/h (DOMAIN.md §3). */
  HOME_CARE_TARIFF_ORE_PER_HOUR: z.coerce.number().int().positive().default(31_200),
  /** The debtor Bankgiro account customer invoices are paid to, for OCR invoices. */
  MUNICIPALITY_BANKGIRO: z.string().regex(/^\d{7,8}$/).default('56781234'),
  /**
   * Seed the unit areas' demo voucher tables (nursing home, day activities, …) from their definitions
   * for MUNICIPALITY at start, for any area finance has not configured. Demo values: set `false` in
   * production and PUT /unit-rate-tables the decided amounts.
   */
  DEMO_UNIT_RATE_TABLES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});
export type BillingConfig = z.infer<typeof BillingConfig>;
