import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { isDomainError, parseIdentityNumber, voucherAreaRegistry, type VoucherAreaDefinition } from '@kundval/domain';
import { AppError, ErrorBody, audit, enqueueEvent, isUniqueViolation, scrubIdentityNumbers, commandRunner, type FastifyPluginAsyncZod } from '@kundval/platform';
import type { DecisionsDb } from '../../store/db.js';
import type { DecisionsDeps } from '../../deps.js';
import { checkTerms, outcomeIssues, type Terms } from '../../decision-terms.js';
import { carriesIdentityNumber, type FieldIssue } from '../../http/field-issues.js';
import { FreeText, IsoDate, Outcome, TermsFields } from '../../schemas.js';
import { changeDecision, insertDecision } from '../../application/decisions/lifecycle.js';
import { customerIdFor, lockDecision, stockholmToday, type CommandContext } from '../../store/decisions.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Most case systems export in batches; 1000 records keeps one import's transaction short. */
const MAX_RECORDS = 1000;
/**
 * A full batch is above the app's 256 KiB JSON limit (ADR 0024): a record is about 300 bytes bare
 * and up to about 5 KB with its free texts at their maxima, so 1000 of them fit in 8 MiB.
 */
const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

/** One decision as an external case system (Treserva, Pulsen Combine, …) exports it. */
export const ImportRecord = z
  .object({
    externalId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine((id) => !carriesIdentityNumber(id), 'must not be an identity number: it is stored and reported outside the customer register'),
    identityNumber: z.string().min(10).max(13),
    areaId: z.string().min(1).max(50),
    decidedOn: IsoDate,
    outcome: Outcome,
    ...TermsFields,
    validFrom: IsoDate,
    validTo: IsoDate,
    deniedPart: FreeText(2000).optional(),
    denialReason: FreeText(2000).optional(),
    decidingMunicipality: FreeText(100).optional().describe('Another municipality whose decision places the customer here'),
  })
  .superRefine((r, ctx) => {
    if (r.validTo <= r.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'validTo must be after validFrom' });
    for (const issue of outcomeIssues(r)) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.reason });
  });
type ImportRecord = z.infer<typeof ImportRecord>;

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
type RecordResult = z.infer<typeof RecordResult>;

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
 * What an import keeps of a record to recognise it when it is sent again: the checked terms, with
 * the customer id in place of the identity number (which is kept only in `customers`).
 */
type StoredRecord = {
  customerId: string;
  areaId: string;
  decidedOn: string;
  outcome: ImportRecord['outcome'];
  validFrom: string;
  validTo: string;
  deniedPart: string | null;
  denialReason: string | null;
  decidingMunicipality: string | null;
} & Terms;

/** Fields that define which decision a record is; a change of them is not a change of terms (omprövning) but another decision. */
const IDENTIFYING: ReadonlyArray<[keyof StoredRecord, string]> = [
  ['customerId', 'identityNumber'],
  ['areaId', 'areaId'],
  ['outcome', 'outcome'],
  ['validFrom', 'validFrom'],
  ['decidingMunicipality', 'decidingMunicipality'],
  ['deniedPart', 'deniedPart'],
  ['denialReason', 'denialReason'],
];
const TERMS: ReadonlyArray<keyof StoredRecord> = ['careHoursPerMonth', 'serviceHoursPerMonth', 'level', 'careNeedPoints', 'daysPerWeek', 'validTo'];

type Prepared = { record: ImportRecord; identityDigits: string; area: VoucherAreaDefinition; terms: Terms; decidingMunicipality: string | null };

/**
 * Import of decisions made in an external case system. Each record stands alone: a bad one is
 * reported and leaves nothing behind (checked before any write, and written under a savepoint that
 * is rolled back if the write is refused), the good ones are imported. Records are recognised by
 * (source, externalId): sent again unchanged they change nothing; with new terms they become a
 * change of the decision (omprövning), so the journey hears `decisionChanged`.
 */
export function importRoutes(deps: DecisionsDeps): FastifyPluginAsyncZod {
  const { db, municipality } = deps;
  const runCommand = commandRunner(db, { afterCommit: deps.afterCommit });

  function prepare(raw: unknown, today: string): { ok: true; value: Prepared } | { ok: false; errors: RecordResult['errors'] } {
    const parsed = ImportRecord.safeParse(raw);
    if (!parsed.success) {
      return { ok: false, errors: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'record', reason: i.message, code: 'VALIDATION' })) };
    }
    const record = parsed.data;
    const problems: Array<FieldIssue & { code: string }> = [];
    const identity = parseIdentityNumber(record.identityNumber, { referenceDate: today });
    if (!identity.ok) problems.push({ field: 'identityNumber', reason: identity.error.message, code: identity.error.code });
    if (!voucherAreaRegistry.has(record.areaId)) {
      // The id itself is not quoted back: the report must never echo what might be personal data.
      problems.push({ field: 'areaId', reason: `Unknown voucher area; known areas: ${voucherAreaRegistry.list().map((a) => a.id).join(', ')}.`, code: 'DOMAIN.UNKNOWN_AREA' });
      return { ok: false, errors: problems };
    }
    const area = voucherAreaRegistry.get(record.areaId);
    const checked = checkTerms(area, record.outcome, record);
    if (!checked.ok) problems.push(...checked.issues.map((i) => ({ ...i, code: 'VALIDATION' })));
    if (!identity.ok || !checked.ok) return { ok: false, errors: problems };
    // A decision of our own municipality is simply ours; only another's is a placement across the border.
    const other = record.decidingMunicipality && record.decidingMunicipality.toLowerCase() !== municipality.toLowerCase() ? record.decidingMunicipality : null;
    return { ok: true, value: { record, identityDigits: identity.value.digits, area, terms: checked.terms, decidingMunicipality: other } };
  }

  async function importOne(trx: DecisionsDb, source: string, p: Prepared, ctx: CommandContext): Promise<Omit<RecordResult, 'index'>> {
    const { record } = p;
    const stored: StoredRecord = {
      customerId: await customerIdFor(trx, p.identityDigits),
      areaId: p.area.id,
      decidedOn: record.decidedOn,
      outcome: record.outcome,
      validFrom: record.validFrom,
      validTo: record.validTo,
      deniedPart: record.deniedPart ?? null,
      denialReason: record.denialReason ?? null,
      decidingMunicipality: p.decidingMunicipality,
      ...p.terms,
    };
    const base = { externalId: record.externalId, errors: [] };
    const known = await trx
      .selectFrom('decision_imports')
      .innerJoin('decisions', 'decisions.decision_id', 'decision_imports.decision_id')
      .select(['decision_imports.decision_id', 'decision_imports.record', 'decisions.application_id'])
      .where('source', '=', source)
      .where('external_id', '=', record.externalId)
      .forUpdate(['decision_imports'])
      .executeTakeFirst();

    if (!known) {
      const application = await trx
        .insertInto('applications')
        .values({
          application_id: randomUUID(),
          customer_id: stored.customerId,
          area_id: p.area.id,
          municipality,
          channel: 'case-handler',
          status: 'received',
          received_at: new Date(),
          created_by: ctx.actor.sub,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The journey starts from the application and then hears the decision, as for one made here.
      await enqueueEvent(
        trx,
        'applicationReceived',
        {
          applicationId: application.application_id,
          customerId: application.customer_id,
          areaId: application.area_id,
          municipality,
          channel: application.channel,
          receivedAt: application.received_at.toISOString(),
        },
        { correlationId: ctx.correlationId },
      );
      const decision = await insertDecision(
        trx,
        {
          application,
          outcome: record.outcome,
          terms: p.terms,
          validFrom: record.validFrom,
          validTo: record.validTo,
          denialReason: stored.denialReason,
          deniedPart: stored.deniedPart,
          decidedOn: record.decidedOn,
          decidingMunicipality: p.decidingMunicipality,
        },
        ctx,
      );
      await trx
        .insertInto('decision_imports')
        .values({ source, external_id: record.externalId, decision_id: decision.decisionId, record: JSON.stringify(stored) })
        .execute();
      await audit(trx, ctx.actor, { action: 'decision.imported', entity: 'decision', entityId: decision.decisionId, after: { source, externalId: record.externalId, ...decision, history: undefined }, correlationId: ctx.correlationId });
      return { ...base, status: 'created', decisionId: decision.decisionId, applicationId: application.application_id };
    }

    const ids = { decisionId: known.decision_id, applicationId: known.application_id };
    const before = known.record as StoredRecord;
    const identifying = IDENTIFYING.filter(([key]) => before[key] !== stored[key]);
    if (identifying.length > 0) {
      return {
        ...base,
        ...ids,
        status: 'rejected',
        errors: identifying.map(([, field]) => ({
          field,
          reason: `${field} of an imported decision cannot change: end the decision and import the new one under a new externalId`,
          code: 'DECISIONS.IMPORT_IDENTIFYING_FIELD_CHANGED',
        })),
      };
    }
    const termsChanged = TERMS.some((key) => before[key] !== stored[key]);
    if (termsChanged) {
      const row = await lockDecision(trx, known.decision_id);
      // The new terms apply from the day the external system decided them, and never before the decision's start.
      const effectiveFrom = record.decidedOn > record.validFrom ? record.decidedOn : record.validFrom;
      await changeDecision(trx, row, { effectiveFrom, terms: p.terms, validTo: record.validTo, reason: `Changed in ${source} (record ${record.externalId}, decided ${record.decidedOn})` }, ctx);
    }
    if (termsChanged || before.decidedOn !== stored.decidedOn) {
      await trx
        .updateTable('decision_imports')
        .set({ record: JSON.stringify(stored), updated_at: new Date() })
        .where('source', '=', source)
        .where('external_id', '=', record.externalId)
        .execute();
    }
    return { ...base, ...ids, status: termsChanged ? 'changed' : 'unchanged' };
  }

  return async (app) => {
    app.post(
      '/imports/decisions',
      {
        bodyLimit: MAX_IMPORT_BYTES,
        config: { roles: ['case-handler', 'administrator'] },
        schema: {
          summary: 'Import decisions made in an external case system',
          description: `Up to ${MAX_RECORDS} records. Answers 200 with a result per record: created (customer, application and decision made here, applicationReceived and decisionMade emitted), changed (new terms: decisionChanged), unchanged, or rejected with each error (field, reason, code); a rejected record stores nothing. Idempotent by (source, externalId).`,
          tags: ['imports'],
          body: ImportBody,
          response: { 200: ImportReport, ...errors },
        },
      },
      async (req, reply) =>
        runCommand(req, reply, async (trx) => {
          const { source, records } = req.body;
          const ctx: CommandContext = { actor: req.principal, correlationId: req.correlationId };
          const today = stockholmToday();
          const results: RecordResult[] = [];
          for (const [index, raw] of records.entries()) {
            const prepared = prepare(raw, today);
            if (!prepared.ok) {
              results.push({ index, externalId: reportableExternalId(raw), status: 'rejected', decisionId: null, applicationId: null, errors: prepared.errors });
              continue;
            }
            results.push({ index, ...(await inSavepoint(trx, () => importOne(trx, source, prepared.value, ctx), prepared.value.record.externalId)) });
          }
          // Reasons may quote what a record said (an unknown area id); the report goes to administrators too.
          for (const r of results) for (const e of r.errors) e.reason = scrubIdentityNumbers(e.reason);
          const count = (status: RecordResult['status']) => results.filter((r) => r.status === status).length;
          return {
            status: 200,
            body: { source, received: records.length, created: count('created'), changed: count('changed'), unchanged: count('unchanged'), rejected: count('rejected'), results },
          };
        }),
    );
  };
}

/**
 * Writes one record under a savepoint: a refusal (an ended decision, a change after its end) rolls
 * back that record alone and is reported. A record another import is writing at the same moment
 * (the unique (source, externalId) key) is tried once more, and is then found as imported.
 */
async function inSavepoint(trx: DecisionsDb, write: () => Promise<Omit<RecordResult, 'index'>>, externalId: string): Promise<Omit<RecordResult, 'index'>> {
  for (let attempt = 1; ; attempt++) {
    await sql`savepoint import_record`.execute(trx);
    try {
      const result = await write();
      // A record reported as rejected after reading (a changed identifying field) wrote nothing, but is rolled back all the same.
      if (result.status === 'rejected') await sql`rollback to savepoint import_record`.execute(trx);
      await sql`release savepoint import_record`.execute(trx);
      return result;
    } catch (err) {
      // Released as well as rolled back, so that a long batch does not pile up nested subtransactions.
      await sql`rollback to savepoint import_record`.execute(trx);
      await sql`release savepoint import_record`.execute(trx);
      if (err instanceof AppError) {
        const field = typeof err.details?.['field'] === 'string' ? (err.details['field'] as string) : 'record';
        return { externalId, status: 'rejected', decisionId: null, applicationId: null, errors: [{ field, reason: err.message, code: err.code }] };
      }
      if (isDomainError(err)) {
        return { externalId, status: 'rejected', decisionId: null, applicationId: null, errors: [{ field: 'record', reason: err.message, code: err.code }] };
      }
      if (isUniqueViolation(err) && attempt < 2) continue;
      throw err;
    }
  }
}

/** The record's externalId for the report, when it is one: never echo an identity number given in its place. */
function reportableExternalId(raw: unknown): string | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as { externalId?: unknown }).externalId : undefined;
  return typeof id === 'string' && id.length <= 100 && !carriesIdentityNumber(id) ? id : null;
}
