import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { addDays } from '@kundval/domain';
import { audit, conflict, enqueueEvent, notFound, type Actor } from '@kundval/platform';
import type { DecisionsDb } from '../store/db.js';
import type { Terms } from '../decision-terms.js';
import type { DecisionsTables, EndReason, Outcome } from './schema.js';

export type DecisionRow = Selectable<DecisionsTables['decisions']>;
type VersionRow = Selectable<DecisionsTables['decision_versions']>;

/** How a customer appeals a denial, whole or partial (Social Services Act ch. 16 §3, via the administrative court). */
export const APPEAL_INFORMATION =
  'You may appeal this decision to the administrative court (förvaltningsrätten). Send your appeal to the municipality within three weeks of receiving the decision.';

/** Who acts and under which correlation id: every write below audits and traces with it. */
export type CommandContext = { actor: Actor; correlationId: string };

/** A decision as the API shows it: the current version's terms, its end, and every version. */
export type DecisionView = ReturnType<typeof toDecisionView>;

export function toDecisionView(row: DecisionRow, versions: readonly VersionRow[]) {
  return {
    decisionId: row.decision_id,
    applicationId: row.application_id,
    customerId: row.customer_id,
    areaId: row.area_id,
    outcome: row.outcome,
    careHoursPerMonth: Number(row.care_hours_per_month),
    serviceHoursPerMonth: Number(row.service_hours_per_month),
    level: row.level,
    careNeedPoints: row.care_need_points,
    daysPerWeek: row.days_per_week,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    decidedOn: row.decided_on,
    decidingMunicipality: row.deciding_municipality,
    deniedPart: row.denied_part,
    denialReason: row.denial_reason,
    appealInformation: row.outcome === 'granted' ? null : APPEAL_INFORMATION,
    version: row.version,
    effectiveFrom: row.effective_from,
    ended: row.end_date && row.end_reason ? { endDate: row.end_date, reason: row.end_reason } : null,
    history: versions.map((v) => ({
      version: v.version,
      changeId: v.change_id,
      kind: v.kind,
      effectiveFrom: v.effective_from,
      careHoursPerMonth: Number(v.care_hours_per_month),
      serviceHoursPerMonth: Number(v.service_hours_per_month),
      level: v.level,
      careNeedPoints: v.care_need_points,
      daysPerWeek: v.days_per_week,
      validTo: v.valid_to,
      reason: v.reason,
      changedAt: v.changed_at.toISOString(),
    })),
  };
}

/** Reads a decision for a command, locked until the transaction ends; 404 when there is none. */
export async function lockDecision(trx: DecisionsDb, decisionId: string): Promise<DecisionRow> {
  const row = await trx.selectFrom('decisions').selectAll().where('decision_id', '=', decisionId).forUpdate().executeTakeFirst();
  if (!row) throw notFound('DECISIONS.DECISION_NOT_FOUND', 'No such decision.');
  return row;
}

export async function readDecisionView(db: DecisionsDb, row: DecisionRow): Promise<DecisionView> {
  const versions = await db.selectFrom('decision_versions').selectAll().where('decision_id', '=', row.decision_id).orderBy('version').execute();
  return toDecisionView(row, versions);
}

/** The calendar date in Stockholm, where the municipality's decisions are dated. */
export function stockholmToday(now = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export type NewDecision = {
  application: { application_id: string; customer_id: string; area_id: string; municipality: string };
  outcome: Outcome;
  terms: Terms;
  validFrom: string;
  validTo: string;
  denialReason: string | null;
  deniedPart: string | null;
  decidedOn: string;
  /** Another municipality's decision placing the customer here; null for our own. */
  decidingMunicipality: string | null;
};

/**
 * Stores a decision with its first version, marks the application decided and enqueues
 * `decisionMade` (with the level, so orders and billing price unit areas by it).
 */
export async function insertDecision(trx: DecisionsDb, d: NewDecision, ctx: CommandContext): Promise<DecisionView> {
  const decisionId = randomUUID();
  const row = await trx
    .insertInto('decisions')
    .values({
      decision_id: decisionId,
      application_id: d.application.application_id,
      customer_id: d.application.customer_id,
      area_id: d.application.area_id,
      outcome: d.outcome,
      care_hours_per_month: String(d.terms.careHoursPerMonth),
      service_hours_per_month: String(d.terms.serviceHoursPerMonth),
      level: d.terms.level,
      care_need_points: d.terms.careNeedPoints,
      days_per_week: d.terms.daysPerWeek,
      valid_from: d.validFrom,
      valid_to: d.validTo,
      denial_reason: d.denialReason,
      denied_part: d.deniedPart,
      deciding_municipality: d.decidingMunicipality,
      decided_on: d.decidedOn,
      decided_by: ctx.actor.sub,
      effective_from: d.validFrom,
      end_date: null,
      end_reason: null,
      ended_by: null,
      ended_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const version = await insertVersion(trx, row, { kind: 'decided', reason: null }, ctx);
  await trx.updateTable('applications').set({ status: 'decided' }).where('application_id', '=', row.application_id).execute();
  await enqueueEvent(
    trx,
    'decisionMade',
    {
      applicationId: row.application_id,
      decisionId: row.decision_id,
      customerId: row.customer_id,
      areaId: row.area_id,
      municipality: d.application.municipality,
      outcome: row.outcome,
      careHoursPerMonth: d.terms.careHoursPerMonth,
      serviceHoursPerMonth: d.terms.serviceHoursPerMonth,
      validFrom: row.valid_from,
      validTo: row.valid_to,
      // The event's reason is what the customer was refused: the whole, or the part of a partial grant.
      denialReason: row.denial_reason,
      level: row.level,
      decidingMunicipality: row.deciding_municipality,
      daysPerWeek: row.days_per_week,
    },
    { correlationId: ctx.correlationId },
  );
  return toDecisionView(row, [version]);
}

async function insertVersion(trx: DecisionsDb, row: DecisionRow, v: { kind: VersionRow['kind']; reason: string | null }, ctx: CommandContext): Promise<VersionRow> {
  return trx
    .insertInto('decision_versions')
    .values({
      decision_id: row.decision_id,
      version: row.version,
      change_id: randomUUID(),
      kind: v.kind,
      effective_from: row.effective_from,
      care_hours_per_month: row.care_hours_per_month,
      service_hours_per_month: row.service_hours_per_month,
      level: row.level,
      care_need_points: row.care_need_points,
      days_per_week: row.days_per_week,
      valid_to: row.valid_to,
      reason: v.reason,
      changed_by: ctx.actor.sub,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Refuses a change the decision cannot take, before its terms are checked: a denial (nothing
 * granted to change), an ended decision, a change taking effect before its first day or after its last.
 */
export function assertChangeable(row: DecisionRow, effectiveFrom: string): void {
  if (row.outcome === 'denied') throw conflict('DECISIONS.DECISION_DENIED', 'A denial grants nothing to change; make a new application.');
  if (row.end_date) throw conflict('DECISIONS.DECISION_ENDED', `The decision ended on ${row.end_date} (${row.end_reason}).`);
  if (effectiveFrom < row.valid_from) {
    throw conflict('DECISIONS.CHANGE_BEFORE_START', `The decision starts on ${row.valid_from}; a change cannot take effect before it.`, { validFrom: row.valid_from });
  }
  if (effectiveFrom > row.valid_to) {
    throw conflict('DECISIONS.CHANGE_AFTER_END', `The decision ends on ${row.valid_to}; a change cannot take effect after it (make a new decision).`, { validTo: row.valid_to });
  }
}

export type DecisionChange = { effectiveFrom: string; terms: Terms; validTo: string; reason: string };

/**
 * Changes a decision (omprövning): a new version with new terms from `effectiveFrom`, and
 * `decisionChanged`. A change that moves the end later is a renewal. Refused as
 * {@link assertChangeable} says. A change identical to the current version changes nothing, so a
 * repeated request (a resent import record, a retry) is harmless.
 */
export async function changeDecision(trx: DecisionsDb, row: DecisionRow, change: DecisionChange, ctx: CommandContext): Promise<{ changed: boolean; view: DecisionView }> {
  assertChangeable(row, change.effectiveFrom);
  const t = change.terms;
  const same =
    row.effective_from === change.effectiveFrom &&
    Number(row.care_hours_per_month) === t.careHoursPerMonth &&
    Number(row.service_hours_per_month) === t.serviceHoursPerMonth &&
    row.level === t.level &&
    row.care_need_points === t.careNeedPoints &&
    row.days_per_week === t.daysPerWeek &&
    row.valid_to === change.validTo;
  if (same) return { changed: false, view: await readDecisionView(trx, row) };

  const kind = change.validTo > row.valid_to ? 'renewal' : 'change';
  const updated = await trx
    .updateTable('decisions')
    .set({
      version: row.version + 1,
      effective_from: change.effectiveFrom,
      care_hours_per_month: String(t.careHoursPerMonth),
      service_hours_per_month: String(t.serviceHoursPerMonth),
      level: t.level,
      care_need_points: t.careNeedPoints,
      days_per_week: t.daysPerWeek,
      valid_to: change.validTo,
    })
    .where('decision_id', '=', row.decision_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const version = await insertVersion(trx, updated, { kind, reason: change.reason }, ctx);
  await enqueueEvent(
    trx,
    'decisionChanged',
    {
      changeId: version.change_id,
      applicationId: updated.application_id,
      decisionId: updated.decision_id,
      customerId: updated.customer_id,
      effectiveFrom: change.effectiveFrom,
      careHoursPerMonth: t.careHoursPerMonth,
      serviceHoursPerMonth: t.serviceHoursPerMonth,
      validTo: change.validTo,
      level: t.level,
    },
    { correlationId: ctx.correlationId },
  );
  const view = await readDecisionView(trx, updated);
  await audit(trx, ctx.actor, { action: `decision.${kind === 'renewal' ? 'renewed' : 'changed'}`, entity: 'decision', entityId: row.decision_id, before: toDecisionView(row, []), after: { ...view, history: undefined }, correlationId: ctx.correlationId });
  return { changed: true, view };
}

/**
 * Ends a decision and enqueues `decisionEnded`. The same end again changes nothing (a retry);
 * a different end of an ended decision is refused, since its journey has already been told.
 */
export async function endDecision(trx: DecisionsDb, row: DecisionRow, end: { endDate: string; reason: EndReason }, ctx: CommandContext): Promise<{ ended: boolean; view: DecisionView }> {
  if (row.end_date) {
    if (row.end_date === end.endDate && row.end_reason === end.reason) return { ended: false, view: await readDecisionView(trx, row) };
    throw conflict('DECISIONS.ALREADY_ENDED', `The decision already ended on ${row.end_date} (${row.end_reason}).`, { endDate: row.end_date, reason: row.end_reason });
  }
  if (row.outcome === 'denied') throw conflict('DECISIONS.DECISION_DENIED', 'A denial grants nothing to end.');
  // The last day of service may be the day before the first (withdrawn before it started), never after the last.
  if (end.endDate < addDays(row.valid_from, -1) || end.endDate > row.valid_to) {
    throw conflict('DECISIONS.END_OUTSIDE_VALIDITY', `The decision is valid ${row.valid_from} to ${row.valid_to}; it cannot end on ${end.endDate}.`);
  }
  const updated = await trx
    .updateTable('decisions')
    .set({ end_date: end.endDate, end_reason: end.reason, ended_by: ctx.actor.sub, ended_at: new Date() })
    .where('decision_id', '=', row.decision_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueEvent(
    trx,
    'decisionEnded',
    { applicationId: updated.application_id, decisionId: updated.decision_id, customerId: updated.customer_id, reason: end.reason, endDate: end.endDate },
    { correlationId: ctx.correlationId },
  );
  await audit(trx, ctx.actor, { action: 'decision.ended', entity: 'decision', entityId: row.decision_id, before: { ended: null }, after: { ended: end }, correlationId: ctx.correlationId });
  return { ended: true, view: await readDecisionView(trx, updated) };
}

/** The customer of a first contact, created on it with a pseudonymous id; the same person always gets the same id. */
export async function customerIdFor(trx: DecisionsDb, identityDigits: string): Promise<string> {
  const customer = await trx
    .insertInto('customers')
    .values({ customer_id: randomUUID(), identity_number: identityDigits })
    .onConflict((oc) => oc.column('identity_number').doUpdateSet((eb) => ({ identity_number: eb.ref('excluded.identity_number') })))
    .returning('customer_id')
    .executeTakeFirstOrThrow();
  return customer.customer_id;
}
