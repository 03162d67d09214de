import { isDomainError, parseIdentityNumber, voucherAreaRegistry, type VoucherAreaDefinition } from '@kundval/domain';
import { AppError, audit, enqueueEvent, isUniqueViolation, scrubIdentityNumbers } from '@kundval/platform';
import { z } from 'zod';
import { checkTerms, outcomeIssues, type Terms } from '../../decision-terms.js';
import { carriesIdentityNumber, type FieldIssue } from '../../http/field-issues.js';
import { FreeText, IsoDate, Outcome as DecisionOutcome, TermsFields } from '../../schemas.js';
import { insertApplication } from '../../store/applications.js';
import type { DecisionsDb } from '../../store/db.js';
import { customerIdFor, lockDecision, type CommandContext } from '../../store/decisions.js';
import { importSavepoint, insertImportedRecord, lockImportedRecord, updateImportedRecord } from '../../store/imports.js';
import { enqueueAll, type Outcome, type UseCaseContext } from '../context.js';
import { changeDecision, insertDecision } from '../decisions/lifecycle.js';

export type RecordResult = {
  index: number;
  externalId: string | null;
  status: 'created' | 'changed' | 'unchanged' | 'rejected';
  decisionId: string | null;
  applicationId: string | null;
  errors: { field: string; reason: string; code: string }[];
};
export type ImportReport = { source: string; received: number; created: number; changed: number; unchanged: number; rejected: number; results: RecordResult[] };

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
    outcome: DecisionOutcome,
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
 * Imports decisions made in an external case system. Each record stands alone: a bad one is
 * reported and leaves nothing behind (checked before any write, and written under a savepoint that
 * is rolled back if the write is refused), the good ones are imported. Records are recognised by
 * (source, externalId): sent again unchanged they change nothing; with new terms they become a
 * change of the decision (omprövning), so the journey hears `decisionChanged`.
 */
export async function importDecisions(use: UseCaseContext, input: { source: string; records: unknown[] }): Promise<Outcome<ImportReport>> {
  const { source, records } = input;
  const trx = use.db;
  const ctx: CommandContext = { actor: use.principal, correlationId: use.correlationId };
  const results: RecordResult[] = [];
  for (const [index, raw] of records.entries()) {
    const prepared = prepare(raw, use.today, use.municipality);
    if (!prepared.ok) {
      results.push({ index, externalId: reportableExternalId(raw), status: 'rejected', decisionId: null, applicationId: null, errors: prepared.errors });
      continue;
    }
    results.push({ index, ...(await inSavepoint(trx, () => importOne(trx, source, prepared.value, ctx, use.municipality, use), prepared.value.record.externalId)) });
  }
  // Reasons may quote what a record said (an unknown area id); the report goes to administrators too.
  for (const r of results) for (const e of r.errors) e.reason = scrubIdentityNumbers(e.reason);
  const count = (status: RecordResult['status']) => results.filter((r) => r.status === status).length;
  return {
    result: { source, received: records.length, created: count('created'), changed: count('changed'), unchanged: count('unchanged'), rejected: count('rejected'), results },
    created: false,
    events: [],
  };
}

function prepare(raw: unknown, today: string, municipality: string): { ok: true; value: Prepared } | { ok: false; errors: RecordResult['errors'] } {
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


async function importOne(trx: DecisionsDb, source: string, p: Prepared, ctx: CommandContext, municipality: string, use: Pick<UseCaseContext, 'now' | 'newId' | 'vault'>): Promise<Omit<RecordResult, 'index'>> {
  const { record } = p;
  const stored: StoredRecord = {
    customerId: await customerIdFor(trx, p.identityDigits, use.vault),
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
  const known = await lockImportedRecord(trx, source, record.externalId);

  if (!known) {
    const application = await insertApplication(trx, {
        application_id: use.newId(),
        customer_id: stored.customerId,
        area_id: p.area.id,
        municipality,
        channel: 'case-handler',
        status: 'received',
        received_at: use.now,
      created_by: ctx.actor.sub,
    });
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
    const { view: decision, event } = await insertDecision(
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
    // Written in the record's savepoint, not returned: a record refused later rolls its events back with it.
    await enqueueAll({ db: trx, correlationId: ctx.correlationId }, [event]);
    await insertImportedRecord(trx, { source, external_id: record.externalId, decision_id: decision.decisionId, record: JSON.stringify(stored) });
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
    const { event } = await changeDecision(trx, row, { effectiveFrom, terms: p.terms, validTo: record.validTo, reason: `Changed in ${source} (record ${record.externalId}, decided ${record.decidedOn})` }, ctx);
    if (event) await enqueueAll({ db: trx, correlationId: ctx.correlationId }, [event]);
  }
  if (termsChanged || before.decidedOn !== stored.decidedOn) {
    await updateImportedRecord(trx, source, record.externalId, JSON.stringify(stored));
  }
  return { ...base, ...ids, status: termsChanged ? 'changed' : 'unchanged' };
}


/**
 * Writes one record under a savepoint: a refusal (an ended decision, a change after its end) rolls
 * back that record alone and is reported. A record another import is writing at the same moment
 * (the unique (source, externalId) key) is tried once more, and is then found as imported.
 */
async function inSavepoint(trx: DecisionsDb, write: () => Promise<Omit<RecordResult, 'index'>>, externalId: string): Promise<Omit<RecordResult, 'index'>> {
  for (let attempt = 1; ; attempt++) {
    await importSavepoint.begin(trx);
    try {
      const result = await write();
      // A record reported as rejected after reading (a changed identifying field) wrote nothing, but is rolled back all the same.
      if (result.status === 'rejected') await importSavepoint.rollback(trx);
      await importSavepoint.release(trx);
      return result;
    } catch (err) {
      // Released as well as rolled back, so that a long batch does not pile up nested subtransactions.
      await importSavepoint.rollback(trx);
      await importSavepoint.release(trx);
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
