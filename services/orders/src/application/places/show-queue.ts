import { notFound } from '@kundval/platform';
import { providerExists } from '../../store/authorizations.js';
import { queueView, type QueueEntryView } from '../../store/places.js';
import type { QueryContext } from '../context.js';
import { assertSees } from '../scope.js';

/** A home's queue, first in line first; a provider sees only its own. */
export async function showQueue(ctx: QueryContext, input: { providerId: string; areaId?: string | undefined }): Promise<QueueEntryView[]> {
  assertSees(ctx.principal, { providerId: input.providerId });
  if (!(await providerExists(ctx.db, input.providerId))) throw notFound('ORDERS.PROVIDER_NOT_FOUND', 'No such provider.');
  return queueView(ctx.db, { providerId: input.providerId, ...(input.areaId ? { areaId: input.areaId } : {}) });
}
