import { z } from 'zod';
import { ErrorBody, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDeps } from '../../deps.js';
import { importDecisions } from '../../application/imports/import-decisions.js';
import { carriesIdentityNumber } from '../../http/field-issues.js';
import { useCaseRunner } from '../use-case.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Most case systems export in batches; 1000 records keeps one import's transaction short. */
const MAX_RECORDS = 1000;
/**
 * A full batch is above the app's 256 KiB JSON limit (ADR 0024): a record is about 300 bytes bare
 * and up to about 5 KB with its free texts at their maxima, so 1000 of them fit in 8 MiB.
 */
const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

const ImportBody = z.object({
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,49}$/i, 'a short name of the case system: letters, digits, . _ -')
    .refine((name) => !carriesIdentityNumber(name), 'must not contain an identity number')
    .describe('The external case system, e.g. treserva; with externalId it identifies a record across imports'),
  records: z
    .array(z.unknown())
    .min(1)
    .max(MAX_RECORDS)
    .describe('Decisions as ImportRecord objects (externalId, identityNumber, areaId, decidedOn, outcome, terms, validFrom, validTo, …); each is checked on its own'),
});

const RecordError = z.object({ field: z.string(), reason: z.string(), code: z.string() });
const RecordResult = z.object({
  index: z.number().int(),
  externalId: z.string().nullable(),
  status: z.enum(['created', 'changed', 'unchanged', 'rejected']),
  decisionId: z.uuid().nullable(),
  applicationId: z.uuid().nullable(),
  errors: z.array(RecordError),
});

const ImportReport = z.object({
  source: z.string(),
  received: z.number().int(),
  created: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  results: z.array(RecordResult),
});

/**
 * Import of decisions made in an external case system (the use case: application/imports/import-decisions.ts). Each record stands alone: a bad one is
 * reported and leaves nothing behind (checked before any write, and written under a savepoint that
 * is rolled back if the write is refused), the good ones are imported. Records are recognised by
 * (source, externalId): sent again unchanged they change nothing; with new terms they become a
 * change of the decision (omprövning), so the journey hears `decisionChanged`.
 */
export function importRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const run = useCaseRunner(deps);
  return async (app) => {
    app.post(
      '/imports/decisions',
      {
        bodyLimit: MAX_IMPORT_BYTES,
        // The case system's integration is given this scope alone (ADR 0032): it imports decisions, nothing else.
        config: { roles: ['case-handler', 'administrator'], scope: 'decisions:import' },
        schema: {
          summary: 'Import decisions made in an external case system',
          description: `Up to ${MAX_RECORDS} records. Answers 200 with a result per record: created (customer, application and decision made here, applicationReceived and decisionMade emitted), changed (new terms: decisionChanged), unchanged, or rejected with each error (field, reason, code); a rejected record stores nothing. Idempotent by (source, externalId).`,
          tags: ['imports'],
          body: ImportBody,
          response: { 200: ImportReport, ...errors },
        },
      },
      async (req, reply) => run(req, reply, (ctx) => importDecisions(ctx, req.body)),
    );
  };
}
