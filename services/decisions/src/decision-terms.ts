import { isDomainError, nursingHomeLevel, type VoucherAreaDefinition } from '@kundval/domain';
import type { FieldIssue } from './http/field-issues.js';
import type { Outcome } from './store/schema.js';

/** What a decision grants, as a request states it: which fields apply depends on the voucher area. */
export type TermsInput = {
  careHoursPerMonth?: number | undefined;
  serviceHoursPerMonth?: number | undefined;
  level?: number | undefined;
  careNeedPoints?: number | undefined;
  daysPerWeek?: number | undefined;
};

/** What a decision grants, checked against its area: hours for areas paid by the minute, a level for areas with levels. */
export type Terms = {
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  /** 1-based position in the area's level list (nursing home 1–8, day activities 1–3); null without levels. */
  level: number | null;
  careNeedPoints: number | null;
  daysPerWeek: number | null;
};

export type TermsCheck = { ok: true; terms: Terms } | { ok: false; issues: FieldIssue[] };

/**
 * Checks a decision's terms against its voucher area's definition, so that a new area needs no code
 * here: hours only where delivery is paid by the minute (home care), a level where the area has
 * levels, care-need points where its levels are graded by points (nursing home: the level follows
 * from the points by the area's mapping), days per week where delivery is paid per attendance day.
 * A denial grants nothing. Every refused field is reported, named as the request names it.
 */
export function checkTerms(area: VoucherAreaDefinition, outcome: Outcome, input: TermsInput): TermsCheck {
  const issues: FieldIssue[] = [];
  const refuse = (field: keyof TermsInput, reason: string) => issues.push({ field, reason });
  const denied = outcome === 'denied';

  if (area.deliveryUnit === 'minutes-by-band') {
    const care = input.careHoursPerMonth;
    const service = input.serviceHoursPerMonth;
    if (care === undefined) refuse('careHoursPerMonth', `required: ${area.id} is decided in hours per month`);
    if (service === undefined) refuse('serviceHoursPerMonth', `required: ${area.id} is decided in hours per month`);
    if (care !== undefined && service !== undefined) {
      if (denied && care + service > 0) refuse('careHoursPerMonth', 'a denial grants no hours');
      if (!denied && care + service === 0) refuse('careHoursPerMonth', 'a grant gives hours of care or service');
    }
    for (const field of ['level', 'careNeedPoints', 'daysPerWeek'] as const) {
      if (input[field] !== undefined) refuse(field, `${area.id} is decided in hours, without ${describe(field)}`);
    }
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, terms: { careHoursPerMonth: care ?? 0, serviceHoursPerMonth: service ?? 0, level: null, careNeedPoints: null, daysPerWeek: null } };
  }

  for (const field of ['careHoursPerMonth', 'serviceHoursPerMonth'] as const) {
    if ((input[field] ?? 0) > 0) refuse(field, `hours are decided only for areas paid by the minute; ${area.id} is paid per ${area.deliveryUnit}`);
  }
  const byPoints = area.levels.every((l) => l.careNeedPoints !== undefined);
  const perAttendance = area.deliveryUnit === 'attendance-day';
  if (!byPoints && input.careNeedPoints !== undefined) refuse('careNeedPoints', `${area.id} does not grade the care need in points`);
  if (!perAttendance && input.daysPerWeek !== undefined) refuse('daysPerWeek', `days per week are decided only for areas paid per attendance day`);

  if (denied) {
    for (const field of ['level', 'careNeedPoints', 'daysPerWeek'] as const) {
      if (input[field] !== undefined && !issues.some((i) => i.field === field)) refuse(field, `a denial grants no ${describe(field)}`);
    }
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, terms: { careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: null, careNeedPoints: null, daysPerWeek: null } };
  }

  let level: number | null = null;
  if (byPoints) {
    const points = input.careNeedPoints;
    if (points === undefined) {
      refuse('careNeedPoints', `required: ${area.id} grades the care need in points (${pointsRange(area)}), which give the level`);
    } else {
      try {
        const levelId = nursingHomeLevel(points, area);
        level = area.levels.findIndex((l) => l.id === levelId) + 1;
        if (input.level !== undefined && input.level !== level) refuse('level', `${points} care-need points give level ${level}, not ${input.level}`);
      } catch (err) {
        if (!isDomainError(err)) throw err;
        refuse('careNeedPoints', `${err.message} (${area.id}: ${pointsRange(area)})`);
      }
    }
  } else if (input.level !== undefined) {
    if (input.level > area.levels.length) refuse('level', `${area.id} has levels 1–${area.levels.length}`);
    else level = input.level;
  } else if (area.levels.length === 1) {
    // An area with a single level leaves nothing to decide.
    level = 1;
  } else {
    refuse('level', `required: ${area.id} has levels 1–${area.levels.length}`);
  }

  const daysPerWeek = perAttendance ? (input.daysPerWeek ?? null) : null;
  if (perAttendance && daysPerWeek === null) refuse('daysPerWeek', `required: ${area.id} is decided in attendance days per week`);

  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, terms: { careHoursPerMonth: 0, serviceHoursPerMonth: 0, level, careNeedPoints: byPoints ? (input.careNeedPoints ?? null) : null, daysPerWeek } };
}

function describe(field: 'level' | 'careNeedPoints' | 'daysPerWeek'): string {
  return field === 'level' ? 'voucher level' : field === 'careNeedPoints' ? 'care-need points' : 'days per week';
}

function pointsRange(area: VoucherAreaDefinition): string {
  if (area.deliveryUnit === 'minutes-by-band') return '';
  const ranges = area.levels.flatMap((l) => (l.careNeedPoints ? [l.careNeedPoints] : []));
  return `${Math.min(...ranges.map((r) => r.min))}–${Math.max(...ranges.map((r) => r.max))} points`;
}

/**
 * Rules on the outcome itself, shared by the decision body and the import record: a denial states
 * its reason; a partial grant names the part denied and why; a full grant denies nothing.
 */
export function outcomeIssues(d: { outcome: Outcome; denialReason?: string | undefined; deniedPart?: string | undefined }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (d.outcome === 'denied' && !d.denialReason) issues.push({ field: 'denialReason', reason: 'a denial states its reason' });
  if (d.outcome === 'denied' && d.deniedPart) issues.push({ field: 'deniedPart', reason: 'a denial denies the whole application; deniedPart is for a partial grant' });
  if (d.outcome === 'partly-granted' && !d.deniedPart) issues.push({ field: 'deniedPart', reason: 'a partial grant names the part denied' });
  if (d.outcome === 'partly-granted' && !d.denialReason) issues.push({ field: 'denialReason', reason: 'a partial grant states why the part was denied' });
  if (d.outcome === 'granted' && d.denialReason) issues.push({ field: 'denialReason', reason: 'a full grant denies nothing' });
  if (d.outcome === 'granted' && d.deniedPart) issues.push({ field: 'deniedPart', reason: 'a full grant denies nothing' });
  return issues;
}
