import { z } from 'zod';
import { BaseServiceConfig, refuseDevelopmentSettingsInProduction, sharedProductionProblems } from '@kundval/platform';

/** The orders service's settings: the shared ones, and the survey's follow-up threshold; production refuses the development ones (ADR 0022). */
export const OrdersConfig = BaseServiceConfig.extend({
  /** A provider whose published customer-survey score is below this gets a follow-up task (ADR 0040). */
  SURVEY_FOLLOW_UP_BELOW: z.coerce.number().min(1).max(5).default(3.5),
}).superRefine(refuseDevelopmentSettingsInProduction(sharedProductionProblems));
export type OrdersConfig = z.infer<typeof OrdersConfig>;
