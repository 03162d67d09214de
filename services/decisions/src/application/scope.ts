import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { scopeCondition } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/**
 * Scoping in the decisions service, in one place (issue 12): a citizen sees only their own
 * applications and decisions (for the caller and for the person the journey acts for), and a
 * principal with a `municipality` claim only its municipality's, which the application records
 * (`applications.municipality`; a decision and a task know it through their application). The
 * condition is part of each select (`scopeCondition`), so a record outside the scope is not found
 * (404), the same as an unknown id. Case handlers, operators and the journey see every customer of
 * their municipality. The customer register itself (identity numbers) is shared by the
 * municipality's case handlers and has no municipality of its own.
 */
const applicationOfMunicipality = (applicationId: string) => (municipality: string) =>
  sql<SqlBool>`exists (select 1 from applications scope_a where scope_a.application_id = ${sql.ref(applicationId)} and scope_a.municipality = ${municipality})`;

export function applicationScope(principal: Principal, alias = 'applications'): RawBuilder<SqlBool> {
  return scopeCondition(principal, { customerId: `${alias}.customer_id`, municipality: (m) => sql<SqlBool>`${sql.ref(`${alias}.municipality`)} = ${m}` });
}

export function decisionScope(principal: Principal, alias = 'decisions'): RawBuilder<SqlBool> {
  return scopeCondition(principal, { customerId: `${alias}.customer_id`, municipality: applicationOfMunicipality(`${alias}.application_id`) });
}

/** Tasks are read with their application joined (`selectTasks`): its customer and municipality. */
export function taskScope(principal: Principal): RawBuilder<SqlBool> {
  return applicationScope(principal, 'applications');
}
