import { notFound } from '@kundval/platform';
import { listAuthorizations as listRows, providerExists, type AuthorizationView } from '../../store/authorizations.js';
import type { QueryContext } from '../context.js';
import { assertSees } from '../scope.js';

/** A provider's authorizations with their checklists; a provider sees only its own. */
export async function listAuthorizations(ctx: QueryContext, input: { providerId: string }): Promise<AuthorizationView[]> {
  assertSees(ctx.principal, { providerId: input.providerId });
  if (!(await providerExists(ctx.db, input.providerId))) throw notFound('ORDERS.PROVIDER_NOT_FOUND', 'No such provider.');
  return listRows(ctx.db, input.providerId);
}
