import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Principal } from '@kundval/contracts';

/**
 * Record scoping as part of the query (issue 12): the rows a principal may see, as one SQL condition
 * a service adds to its select, so a record outside the scope is simply not found (404, the same
 * answer as an unknown id: a caller cannot tell another's record from none).
 *
 * - a provider sees its own rows (`providerId` column), a citizen their own (`customerId` column);
 *   both hold for the caller and for the person the journey's worker acts for (`onBehalfOf`); a
 *   provider or citizen token that names no provider or customer sees nothing;
 * - a principal whose token carries a `municipality` claim (the identity provider issues it to
 *   everyone) sees only that municipality's rows, where the table knows its municipality;
 * - every other role sees every row.
 *
 * Each service says where its tables keep these (`ScopeColumns`); the condition is the only place
 * the rule runs.
 */
export type ScopeColumns = {
  /** The column naming the row's provider (`o.provider_id`); rows without one are not a provider's to see. */
  providerId?: string;
  /** The column naming the row's customer (`o.customer_id`); rows without one are not a citizen's to see. */
  customerId?: string;
  /** The condition that a row belongs to a municipality, e.g. an `exists` over the table that records it. */
  municipality?: (municipality: string) => Expression<SqlBool>;
};

const NOTHING = sql<SqlBool>`false`;
const EVERYTHING = sql<SqlBool>`true`;

export function scopeCondition(principal: Principal, columns: ScopeColumns): RawBuilder<SqlBool> {
  const conditions: Array<Expression<SqlBool>> = [];
  for (const p of [principal, principal.onBehalfOf]) {
    // As text: an id claim that is not of the column's type (a uuid) is simply no match, not a database error.
    if (p?.role === 'provider') conditions.push(columns.providerId && p.providerId ? sql<SqlBool>`${sql.ref(columns.providerId)}::text = ${p.providerId}` : NOTHING);
    if (p?.role === 'citizen') conditions.push(columns.customerId && p.customerId ? sql<SqlBool>`${sql.ref(columns.customerId)}::text = ${p.customerId}` : NOTHING);
  }
  if (principal.municipality !== undefined && columns.municipality) conditions.push(columns.municipality(principal.municipality));
  if (conditions.length === 0) return EVERYTHING;
  return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

/**
 * The same rule for a record already in hand (a journey's search attributes, an event's payload):
 * whether the principal may see it. Use {@link scopeCondition} wherever the record comes from a query.
 */
export function inScope(principal: Principal, record: { providerId?: string | null; customerId?: string | null; municipality?: string | null }): boolean {
  for (const p of [principal, principal.onBehalfOf]) {
    if (p?.role === 'provider' && (!p.providerId || record.providerId !== p.providerId)) return false;
    if (p?.role === 'citizen' && (!p.customerId || record.customerId !== p.customerId)) return false;
  }
  if (principal.municipality !== undefined && record.municipality !== undefined && record.municipality !== null && record.municipality !== principal.municipality) return false;
  return true;
}
