import { audit, notFound } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';
import type { DecisionsDb } from '../../store/db.js';
import { findCustomerByIdentity } from '../../store/decisions.js';
import type { IdentityVault } from '../../store/identity-vault.js';
import { applicationScope } from '../scope.js';

export type FoundCustomer = { customerId: string; applications: Array<{ applicationId: string; areaId: string; status: string; receivedAt: string }> };

/**
 * Finds a customer by identity number for an operator or case handler: the pseudonymous customer id
 * and the applications (whose ids name the journeys), never the number. Found by the number's keyed
 * hash, since the number itself is stored only sealed (ADR 0032); the look-up is audited as who looked
 * up whom, without the number. The register itself has no municipality: a caller held to one
 * (its token's `municipality`) sees the customer's applications of that municipality only, and a
 * customer with none there is not found, as an unknown number is.
 */
export async function lookUpCustomer(db: DecisionsDb, vault: IdentityVault, by: { principal: Principal; correlationId: string }, identityDigits: string): Promise<FoundCustomer> {
  const customer = await findCustomerByIdentity(db, identityDigits, vault);
  if (!customer) throw notFound('DECISIONS.CUSTOMER_NOT_FOUND', 'No customer with this identity number.');
  const applications = await db
    .selectFrom('applications')
    .select(['application_id', 'area_id', 'status', 'received_at'])
    .where('customer_id', '=', customer.customer_id)
    .where(applicationScope(by.principal))
    .orderBy('received_at')
    .execute();
  if (applications.length === 0 && by.principal.municipality !== undefined) throw notFound('DECISIONS.CUSTOMER_NOT_FOUND', 'No customer with this identity number.');
  await audit(db, by.principal, { action: 'customer.looked-up', entity: 'customer', entityId: customer.customer_id, correlationId: by.correlationId });
  return {
    customerId: customer.customer_id,
    applications: applications.map((a) => ({ applicationId: a.application_id, areaId: a.area_id, status: a.status, receivedAt: a.received_at.toISOString() })),
  };
}
