import type { z } from 'zod';
import { BaseServiceConfig } from '@kundval/platform';

/** The decisions service reads only the shared service settings. */
export const DecisionsConfig = BaseServiceConfig.extend({});
export type DecisionsConfig = z.infer<typeof DecisionsConfig>;
