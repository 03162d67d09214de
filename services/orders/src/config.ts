import type { z } from 'zod';
import { BaseServiceConfig } from '@kundval/platform';

export const OrdersConfig = BaseServiceConfig.extend({});
export type OrdersConfig = z.infer<typeof OrdersConfig>;
