import { notFound } from '@kundval/platform';
import { findApplication, toApplication, type ApplicationView } from '../../store/applications.js';
import type { QueryContext } from '../context.js';
import { assertSeesCustomer } from '../scope.js';

/** One application; a citizen sees only their own. */
export async function readApplication(ctx: QueryContext, input: { applicationId: string }): Promise<ApplicationView> {
  const row = await findApplication(ctx.db, input.applicationId);
  if (!row) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
  assertSeesCustomer(ctx.principal, row.customer_id);
  return toApplication(row);
}
