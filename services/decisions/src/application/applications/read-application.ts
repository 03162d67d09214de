import { notFound } from '@kundval/platform';
import { findApplication, toApplication, type ApplicationView } from '../../store/applications.js';
import type { QueryContext } from '../context.js';
import { applicationScope } from '../scope.js';

/** One application; a citizen sees only their own (another's is not found). */
export async function readApplication(ctx: QueryContext, input: { applicationId: string }): Promise<ApplicationView> {
  const row = await findApplication(ctx.db, input.applicationId, false, applicationScope(ctx.principal));
  if (!row) throw notFound('DECISIONS.APPLICATION_NOT_FOUND', 'No such application.');
  return toApplication(row);
}
