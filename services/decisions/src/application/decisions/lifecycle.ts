import { randomUUID } from 'node:crypto';
import { addDays } from '@kundval/domain';
import { audit, conflict } from '@kundval/platform';
import type { Terms } from '../../decision-terms.js';
import { setApplicationStatus } from '../../store/applications.js';
import type { DecisionsDb } from '../../store/db.js';
import { insertDecisionRow, insertVersion, readDecisionView, toDecisionView, updateDecision, type CommandContext, type DecisionRow, type DecisionView } from '../../store/decisions.js';
import type { EndReason, Outcome } from '../../store/schema.js';
import { pendingEvent, type PendingEvent } from '../context.js';

/*
 * A decision's lifecycle: made, changed (omprövning, renewal), ended. The rules every way in shares
 * (the case handler's routes, the import of external decisions); each writes its version, its event
 * and its audit row in the caller's transaction.
 */

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
 * Stores a decision with its first version and marks the application decided; returns the
 * `decisionMade` to announce (with the level, so orders and billing price unit areas by it), which
 * the caller puts in its events.
 */
export async function insertDecision(trx: DecisionsDb, d: NewDecision, ctx: CommandContext): Promise<{ view: DecisionView; event: PendingEvent }> {
  const decisionId = randomUUID();
  const row = await insertDecisionRow(trx, {
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
  });
  const version = await insertVersion(trx, row, { kind: 'decided', reason: null }, ctx.actor);
  await setApplicationStatus(trx, row.application_id, 'decided');
  const event = pendingEvent(
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
  );
  return { view: toDecisionView(row, [version]), event };
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
 * Changes a decision (omprövning): a new version with new terms from `effectiveFrom`; returns the
 * `decisionChanged` to announce. A change that moves the end later is a renewal. Refused as
 * {@link assertChangeable} says. A change identical to the current version changes nothing, so a
 * repeated request (a resent import record, a retry) is harmless.
 */
export async function changeDecision(trx: DecisionsDb, row: DecisionRow, change: DecisionChange, ctx: CommandContext): Promise<{ changed: boolean; view: DecisionView; event?: PendingEvent }> {
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
  const updated = await updateDecision(trx, row.decision_id, {
    version: row.version + 1,
    effective_from: change.effectiveFrom,
    care_hours_per_month: String(t.careHoursPerMonth),
    service_hours_per_month: String(t.serviceHoursPerMonth),
    level: t.level,
    care_need_points: t.careNeedPoints,
    days_per_week: t.daysPerWeek,
    valid_to: change.validTo,
  });
  const version = await insertVersion(trx, updated, { kind, reason: change.reason }, ctx.actor);
  const event = pendingEvent(
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
  );
  const view = await readDecisionView(trx, updated);
  await audit(trx, ctx.actor, { action: `decision.${kind === 'renewal' ? 'renewed' : 'changed'}`, entity: 'decision', entityId: row.decision_id, before: toDecisionView(row, []), after: { ...view, history: undefined }, correlationId: ctx.correlationId });
  return { changed: true, view, event };
}

/**
 * Ends a decision; returns the `decisionEnded` to announce. The same end again changes nothing (a retry);
 * a different end of an ended decision is refused, since its journey has already been told.
 */
export async function endDecision(trx: DecisionsDb, row: DecisionRow, end: { endDate: string; reason: EndReason }, ctx: CommandContext): Promise<{ ended: boolean; view: DecisionView; event?: PendingEvent }> {
  if (row.end_date) {
    if (row.end_date === end.endDate && row.end_reason === end.reason) return { ended: false, view: await readDecisionView(trx, row) };
    throw conflict('DECISIONS.ALREADY_ENDED', `The decision already ended on ${row.end_date} (${row.end_reason}).`, { endDate: row.end_date, reason: row.end_reason });
  }
  if (row.outcome === 'denied') throw conflict('DECISIONS.DECISION_DENIED', 'A denial grants nothing to end.');
  // The last day of service may be the day before the first (withdrawn before it started), never after the last.
  if (end.endDate < addDays(row.valid_from, -1) || end.endDate > row.valid_to) {
    throw conflict('DECISIONS.END_OUTSIDE_VALIDITY', `The decision is valid ${row.valid_from} to ${row.valid_to}; it cannot end on ${end.endDate}.`);
  }
  const updated = await updateDecision(trx, row.decision_id, { end_date: end.endDate, end_reason: end.reason, ended_by: ctx.actor.sub, ended_at: new Date() });
  const event = pendingEvent('decisionEnded', { applicationId: updated.application_id, decisionId: updated.decision_id, customerId: updated.customer_id, reason: end.reason, endDate: end.endDate });
  await audit(trx, ctx.actor, { action: 'decision.ended', entity: 'decision', entityId: row.decision_id, before: { ended: null }, after: { ended: end }, correlationId: ctx.correlationId });
  return { ended: true, view: await readDecisionView(trx, updated), event };
}

