import type { z } from 'zod';
import { BaseServiceConfig, refuseDevelopmentSettingsInProduction, sharedProductionProblems } from '@kundval/platform';

/** The orders service reads only the shared service settings; production refuses the development ones (ADR 0022). */
export const OrdersConfig = BaseServiceConfig.extend({}).superRefine(refuseDevelopmentSettingsInProduction(sharedProductionProblems));
export type OrdersConfig = z.infer<typeof OrdersConfig>;
