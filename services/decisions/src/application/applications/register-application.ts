import { parseIdentityNumber } from '@kundval/domain';
import { audit, invalid } from '@kundval/platform';
import { areaOf } from '../../areas.js';
import { insertApplication, toApplication, type ApplicationRow, type ApplicationView } from '../../store/applications.js';
import { customerIdFor } from '../../store/decisions.js';
import { pendingEvent, type Outcome, type UseCaseContext } from '../context.js';

export type RegisterApplication = {
  identityNumber: string;
  areaId: string;
  channel: ApplicationRow['channel'];
  onBehalfOf?: { name: string; relation: string } | undefined;
  receivedAt?: string | undefined;
};

/**
 * What needs no database, checked before the command claims its key: a valid identity number on
 * `today` and a known area. Returns the identity number's digits and the area's id.
 */
export function checkApplication(input: Pick<RegisterApplication, 'identityNumber' | 'areaId'>, today: string): { identityDigits: string; areaId: string } {
  const identity = parseIdentityNumber(input.identityNumber, { referenceDate: today });
  if (!identity.ok) throw invalid(identity.error.code, identity.error.message, { field: 'body.identityNumber' });
  return { identityDigits: identity.value.digits, areaId: areaOf(input.areaId).id };
}

/**
 * Registers an application, creating the customer (pseudonymous id) on first contact. Who applied
 * on the customer's behalf stays here: the event carries only the channel.
 */
export async function registerApplication(
  ctx: UseCaseContext,
  input: Omit<RegisterApplication, 'identityNumber' | 'areaId'> & { identityDigits: string; areaId: string },
): Promise<Outcome<ApplicationView>> {
  const application = await insertApplication(ctx.db, {
    application_id: ctx.newId(),
    customer_id: await customerIdFor(ctx.db, input.identityDigits, ctx.vault),
    area_id: input.areaId,
    municipality: ctx.municipality,
    channel: input.channel,
    status: 'received',
    received_at: input.receivedAt === undefined ? ctx.now : new Date(input.receivedAt),
    created_by: ctx.principal.sub,
    on_behalf_name: input.onBehalfOf?.name ?? null,
    on_behalf_relation: input.onBehalfOf?.relation ?? null,
  });
  const view = toApplication(application);
  await audit(ctx.db, ctx.principal, { action: 'application.registered', entity: 'application', entityId: application.application_id, after: view, correlationId: ctx.correlationId });
  return {
    result: view,
    created: true,
    events: [
      pendingEvent('applicationReceived', {
        applicationId: application.application_id,
        customerId: application.customer_id,
        areaId: application.area_id,
        municipality: ctx.municipality,
        channel: application.channel,
        receivedAt: application.received_at.toISOString(),
      }),
    ],
  };
}
