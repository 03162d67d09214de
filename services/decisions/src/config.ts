import type { z } from 'zod';
import { BaseServiceConfig, refuseDevelopmentSettingsInProduction, sharedProductionProblems } from '@kundval/platform';

/** The decisions service reads only the shared service settings; production refuses the development ones (ADR 0022). */
export const DecisionsConfig = BaseServiceConfig.extend({}).superRefine(refuseDevelopmentSettingsInProduction(sharedProductionProblems));
export type DecisionsConfig = z.infer<typeof DecisionsConfig>;
