import { z } from 'zod';
import { scrubIdentityNumbers } from './personal-data.js';

/** The roles of the platform (the brief's citizen, case handler, provider, finance, operator, administrator) and `system` for the journey's own commands. */
export const Role = z.enum(['citizen', 'case-handler', 'provider', 'finance', 'operator', 'administrator', 'system']);
export type Role = z.infer<typeof Role>;

/**
 * The person the journey's worker acts for (ADR 0022): a customer's choice or month approval, an
 * operator's retry. Only ids and the role: it travels through Temporal's history and into audit
 * rows, so a subject that carries an identity number is refused (a citizen is named by the
 * pseudonymous customer id instead, `onBehalfOfFrom`).
 */
export const OnBehalfOf = z.object({
  sub: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => scrubIdentityNumbers(s) === s, 'must not carry an identity number'),
  role: Role.exclude(['system']),
  providerId: z.string().min(1).optional(),
  customerId: z.string().min(1).optional(),
});
export type OnBehalfOf = z.infer<typeof OnBehalfOf>;

/**
 * Who is calling, as proven by a verified token. A provider's token names its `providerId` and a
 * citizen's its pseudonymous `customerId`: scoping rules read these, never a request field.
 * `onBehalfOf` is set only on the journey worker's `system` tokens, naming the person whose request
 * the worker carries out (the mirror of RFC 8693's `act`: the token's subject stays the worker, whose
 * authority it is; the person is who the audit trail records as the actor). `scopes` is set only on
 * a machine's token (the worker, an integration) and limits which routes it may call.
 */
export const Principal = z.object({
  sub: z.string().min(1),
  role: Role,
  providerId: z.string().min(1).optional(),
  customerId: z.string().min(1).optional(),
  municipality: z.string().min(1).optional(),
  onBehalfOf: OnBehalfOf.optional(),
  /** A machine's token (client credentials) only: what it may do, each route needing one (ADR 0032). */
  scopes: z.array(z.string().min(1)).optional(),
});
export type Principal = z.infer<typeof Principal>;

/**
 * The person a verified principal is, as the worker may carry it: their subject, as a direct call
 * records it — unless it carries an identity number (an identity provider may name a citizen by
 * personnummer), which must not enter Temporal's history; a citizen is then named by the
 * pseudonymous customer id.
 */
export function onBehalfOfFrom(principal: Principal): OnBehalfOf {
  if (principal.role === 'system') throw new Error('The system acts on its own behalf; there is no person to carry.');
  const named = scrubIdentityNumbers(principal.sub) === principal.sub;
  return OnBehalfOf.parse({
    sub: named ? principal.sub : `${principal.role}:${principal.customerId ?? principal.providerId ?? 'unnamed'}`,
    role: principal.role,
    ...(principal.providerId ? { providerId: principal.providerId } : {}),
    ...(principal.customerId ? { customerId: principal.customerId } : {}),
  });
}
