import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { assertCustomerScope, assertProviderScope, forbidden, scopeCondition } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/**
 * Scoping in the orders service, in one place (issue 12). Records a person may or may not see are
 * narrowed in the query itself (`scopeCondition`, packages/platform): a provider sees only its own
 * orders, a citizen only their own orders, decisions and offers, and a principal with a
 * `municipality` claim only that municipality's, which a row knows through its decision (the
 * decision copy's `municipality`). A record outside the scope is not found (404), exactly like an
 * unknown id. Both hold for the caller and for the person the journey's worker acts for (`onBehalfOf`).
 */

/** The decision copy `alias` belongs to the municipality. */
const decisionOfMunicipality = (decisionId: string) => (municipality: string) =>
  sql<SqlBool>`exists (select 1 from decisions scope_d where scope_d.decision_id = ${sql.ref(decisionId)} and scope_d.municipality = ${municipality})`;

/** The orders (table or alias `alias`) the principal may see. */
export function orderScope(principal: Principal, alias = 'orders'): RawBuilder<SqlBool> {
  return scopeCondition(principal, { providerId: `${alias}.provider_id`, customerId: `${alias}.customer_id`, municipality: decisionOfMunicipality(`${alias}.decision_id`) });
}

/** The decision copies the principal may see (a provider none: it acts on orders, never on a customer's decision). */
export function decisionScope(principal: Principal, alias = 'decisions'): RawBuilder<SqlBool> {
  return scopeCondition(principal, { customerId: `${alias}.customer_id`, municipality: (m) => sql<SqlBool>`${sql.ref(`${alias}.municipality`)} = ${m}` });
}

/** The offers of places the principal may see: the customer's own, the home's own. */
export function offerScope(principal: Principal, alias = 'offers'): RawBuilder<SqlBool> {
  return scopeCondition(principal, { providerId: `${alias}.provider_id`, customerId: `${alias}.customer_id`, municipality: decisionOfMunicipality(`${alias}.decision_id`) });
}

/**
 * A provider's own resources named in the path (its authorizations, its queue, its released
 * places): the provider itself is public (`GET /providers` lists every one), so another provider's
 * is refused (403), not hidden.
 */
export function assertSees(principal: Principal, owner: { providerId?: string; customerId?: string }): void {
  if (owner.providerId !== undefined) assertProviderScope(principal, owner.providerId);
  if (owner.customerId !== undefined) assertCustomerScope(principal, owner.customerId);
}

/**
 * The provider a list is narrowed to: a provider's own (its token must name it, or it would see
 * every provider's), anyone else's choice of filter.
 */
export function providerFilterFor(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.role !== 'provider') return requested;
  if (!principal.providerId) throw forbidden('A provider token must name its provider.');
  return principal.providerId;
}
