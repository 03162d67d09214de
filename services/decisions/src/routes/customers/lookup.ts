import { z } from 'zod';
import { parseIdentityNumber, stockholmDate } from '@kundval/domain';
import { ErrorBody, commandRunner, invalid, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { lookUpCustomer } from '../../application/identity/look-up-customer.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const FoundCustomer = z.object({
  customerId: z.uuid(),
  applications: z.array(z.object({ applicationId: z.uuid(), areaId: z.string(), status: z.string(), receivedAt: z.string() })),
});

/**
 * Finds a customer by identity number, for the operators' console and case handlers: the answer is
 * the pseudonymous customer id (and the applications, whose ids name the journeys), never the number.
 * A POST so that the number travels in the body, never in a URL that access logs and browser history
 * keep; the look-up is audited (who looked up whom, when), without the number. Send no
 * Idempotency-Key: a look-up changes nothing but the audit trail, and a stored key would keep a hash
 * of the number.
 */
export function customerLookupRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  const runCommand = commandRunner(db, { afterCommit: deps.afterCommit });
  return async (app) => {
    app.post(
      '/customers/lookup',
      {
        config: { roles: ['operator', 'case-handler'] },
        schema: {
          summary: 'Find a customer by identity number: their pseudonymous id and applications (audited)',
          tags: ['customers'],
          body: z.object({ identityNumber: z.string().min(10).max(13).describe('YYYYMMDD-NNNC, YYMMDD-NNNC or the digits alone') }),
          response: { 200: FoundCustomer, ...errors },
        },
      },
      async (req, reply) => {
        const identity = parseIdentityNumber(req.body.identityNumber, { referenceDate: stockholmDate(new Date()) });
        if (!identity.ok) throw invalid(identity.error.code, identity.error.message, { field: 'body.identityNumber' });
        return runCommand(req, reply, async (trx) => ({ status: 200, body: await lookUpCustomer(trx, deps.vault!, req, identity.value.digits) }));
      },
    );
  };
}
