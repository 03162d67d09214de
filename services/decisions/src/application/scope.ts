import { assertCustomerScope } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/**
 * Scoping in the decisions service, in one place: a citizen sees only their own applications,
 * decisions and customer record (for the caller and for the person the journey acts for). Case
 * handlers, operators and the journey see every customer of the municipality.
 */
export function assertSeesCustomer(principal: Principal, customerId: string): void {
  assertCustomerScope(principal, customerId);
}
