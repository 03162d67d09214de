import { z } from 'zod';

/** The roles of the platform (the brief's citizen, case handler, provider, finance, operator, administrator) and `system` for the journey's own commands. */
export const Role = z.enum(['citizen', 'case-handler', 'provider', 'finance', 'operator', 'administrator', 'system']);
export type Role = z.infer<typeof Role>;

/**
 * Who is calling, as proven by a verified token. A provider's token names its `providerId` and a
 * citizen's its pseudonymous `customerId`: scoping rules read these, never a request field.
 */
export const Principal = z.object({
  sub: z.string().min(1),
  role: Role,
  providerId: z.string().min(1).optional(),
  customerId: z.string().min(1).optional(),
  municipality: z.string().min(1).optional(),
});
export type Principal = z.infer<typeof Principal>;
