import { z } from 'zod';
import { ErrorBody, audit, notFound, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const Customer = z.object({
  customerId: z.uuid(),
  identityNumber: z.string().describe('YYYYMMDD-NNNC'),
  applications: z.array(z.object({ applicationId: z.uuid(), areaId: z.string(), status: z.string(), receivedAt: z.string(), decisionId: z.uuid().nullable() })),
});

/**
 * The customer register: the one place the personnummer behind a pseudonymous customer id can be
 * read, by case handlers only. Every read is audited (who looked up whom), without the number.
 */
export function customerRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  return async (app) => {
    app.get(
      '/customers/:customerId',
      {
        config: { roles: ['case-handler'] },
        schema: {
          summary: "Read a customer's identity number and applications",
          tags: ['customers'],
          params: z.object({ customerId: z.uuid() }),
          response: { 200: Customer, ...errors },
        },
      },
      async (req) => {
        const customer = await db.selectFrom('customers').selectAll().where('customer_id', '=', req.params.customerId).executeTakeFirst();
        if (!customer) throw notFound('DECISIONS.CUSTOMER_NOT_FOUND', 'No such customer.');
        const applications = await db
          .selectFrom('applications')
          .leftJoin('decisions', 'decisions.application_id', 'applications.application_id')
          .select(['applications.application_id', 'applications.area_id', 'applications.status', 'applications.received_at', 'decisions.decision_id'])
          .where('applications.customer_id', '=', customer.customer_id)
          .orderBy('applications.received_at')
          .execute();
        await audit(db, req.principal, { action: 'customer.identity-read', entity: 'customer', entityId: customer.customer_id, correlationId: req.correlationId });
        // Sealed at rest (ADR 0032); a row from before the sealing migration is sealed at the next start.
        const digits = customer.identity_sealed ? deps.vault!.open(customer.identity_sealed) : customer.identity_number!.trim();
        return {
          customerId: customer.customer_id,
          identityNumber: `${digits.slice(0, 8)}-${digits.slice(8)}`,
          applications: applications.map((a) => ({
            applicationId: a.application_id,
            areaId: a.area_id,
            status: a.status,
            receivedAt: a.received_at.toISOString(),
            decisionId: a.decision_id,
          })),
        };
      },
    );
  };
}
