import { z } from 'zod';
import { DomainError, issuesOf } from './errors.js';
import { instantMs, strictInstantMs } from './time-bands.js';

/** Care (personal care, priced by band) or service (cleaning, shopping, laundry: one rate at any time). DOMAIN.md §2. */
export const VisitKind = z.enum(['care', 'service']);
/** Care or service. */
export type VisitKind = z.infer<typeof VisitKind>;

/** Municipal or private provider: private rates include the VAT compensation (DOMAIN.md §2). */
export const ProviderKind = z.enum(['municipal', 'private']);
/** Municipal or private provider. */
export type ProviderKind = z.infer<typeof ProviderKind>;

/** Where a delivered visit stands: only `approved` visits are payable (DOMAIN.md §2). */
export const VisitStatus = z.enum(['reported', 'approved', 'disputed']);
/** Where a delivered visit stands. */
export type VisitStatus = z.infer<typeof VisitStatus>;

/** One home-care visit as reported by the provider: start and end are instants with offset. */
export const DeliveredVisit = z.object({
  visitId: z.string().min(1),
  customerId: z.string().min(1),
  kind: VisitKind,
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  status: VisitStatus,
});
/** One home-care visit as reported by the provider. */
export type DeliveredVisit = z.infer<typeof DeliveredVisit>;

/** A visit with its instants as epoch milliseconds, after {@link validateVisits}. */
export type CheckedVisit = DeliveredVisit & { startMs: number; endMs: number };

/**
 * Reads a visit that has the common shape (strings, a known kind and status, instants in the
 * strict form) without zod; `null` sends anything else to the zod schema, which then decides and
 * words the error. Accepts nothing the schema refuses and gives the same fields.
 */
function readPlainVisit(raw: unknown): CheckedVisit | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const { visitId, customerId, kind, start, end, status } = raw as Record<string, unknown>;
  if (typeof visitId !== 'string' || visitId.length < 1 || typeof customerId !== 'string' || customerId.length < 1) return null;
  if ((kind !== 'care' && kind !== 'service') || (status !== 'approved' && status !== 'reported' && status !== 'disputed')) return null;
  const startMs = strictInstantMs(start);
  if (startMs === null) return null;
  const endMs = strictInstantMs(end);
  if (endMs === null) return null;
  return { visitId, customerId, kind, start: start as string, end: end as string, status, startMs, endMs };
}

/**
 * Checks one visit on its own: shape (`DOMAIN.INVALID_VISIT`), whole minutes
 * (`DOMAIN.VISIT_NOT_WHOLE_MINUTES`) and order (`DOMAIN.VISIT_ENDS_BEFORE_START`,
 * `DOMAIN.VISIT_EMPTY`). `index` is the visit's position in its batch or stream, for the message.
 * Internal to the package; {@link validateVisits} adds the checks across visits.
 */
export function checkVisit(raw: unknown, index: number): CheckedVisit {
  let visit = readPlainVisit(raw);
  if (visit === null) {
    const parsed = DeliveredVisit.safeParse(raw);
    if (!parsed.success) {
      const visitId = typeof raw === 'object' && raw !== null ? (raw as { visitId?: unknown }).visitId : undefined;
      throw new DomainError('DOMAIN.INVALID_VISIT', `Visit at index ${index} is malformed.`, { index, visitId, issues: issuesOf(parsed.error) });
    }
    const startMs = instantMs(parsed.data.start);
    const endMs = instantMs(parsed.data.end);
    if (startMs === null || endMs === null) {
      throw new DomainError('DOMAIN.INVALID_VISIT', `Visit ${parsed.data.visitId} has an unreadable instant.`, { visitId: parsed.data.visitId });
    }
    visit = { ...parsed.data, startMs, endMs };
  }
  const { startMs, endMs } = visit;
  if (startMs % 60_000 !== 0 || endMs % 60_000 !== 0) {
    throw new DomainError('DOMAIN.VISIT_NOT_WHOLE_MINUTES', `Visit ${visit.visitId} must start and end on whole minutes.`, { visitId: visit.visitId });
  }
  if (endMs < startMs) {
    throw new DomainError('DOMAIN.VISIT_ENDS_BEFORE_START', `Visit ${visit.visitId} ends before it starts.`, {
      visitId: visit.visitId,
      start: visit.start,
      end: visit.end,
    });
  }
  if (endMs === startMs) {
    throw new DomainError('DOMAIN.VISIT_EMPTY', `Visit ${visit.visitId} has no length.`, { visitId: visit.visitId });
  }
  return visit;
}

function overlapError(customerId: string, first: string, second: string): DomainError {
  return new DomainError('DOMAIN.VISIT_OVERLAP', `Visits ${first} and ${second} of one customer overlap.`, {
    customerId,
    visitIds: [first, second],
  });
}

/**
 * Checks a batch of visits: shape (`DOMAIN.INVALID_VISIT`), whole minutes
 * (`DOMAIN.VISIT_NOT_WHOLE_MINUTES`), order (`DOMAIN.VISIT_ENDS_BEFORE_START`, `DOMAIN.VISIT_EMPTY`),
 * unique ids (`DOMAIN.DUPLICATE_VISIT_ID`) and no two non-disputed visits of one customer
 * overlapping in time (`DOMAIN.VISIT_OVERLAP`: the same minute cannot be delivered twice).
 */
export function validateVisits(visits: readonly unknown[]): CheckedVisit[] {
  if (!Array.isArray(visits)) throw new DomainError('DOMAIN.INVALID_VISIT', 'visits must be an array.');
  const checked: CheckedVisit[] = [];
  const ids = new Set<string>();
  visits.forEach((raw, index) => {
    const visit = checkVisit(raw, index);
    if (ids.has(visit.visitId)) {
      throw new DomainError('DOMAIN.DUPLICATE_VISIT_ID', `Visit id ${visit.visitId} occurs twice.`, { visitId: visit.visitId });
    }
    ids.add(visit.visitId);
    checked.push(visit);
  });

  const byCustomer = new Map<string, CheckedVisit[]>();
  for (const visit of checked) {
    if (visit.status === 'disputed') continue;
    const list = byCustomer.get(visit.customerId) ?? [];
    list.push(visit);
    byCustomer.set(visit.customerId, list);
  }
  for (const list of byCustomer.values()) {
    list.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as CheckedVisit;
      const cur = list[i] as CheckedVisit;
      if (cur.startMs < prev.endMs) throw overlapError(cur.customerId, prev.visitId, cur.visitId);
    }
  }
  return checked;
}

type CustomerIntervals = { starts: number[]; ends: number[]; ids: string[] };

/**
 * The checks across visits of {@link validateVisits}, one visit at a time, for a stream: the ids
 * seen and each customer's non-disputed intervals (two numbers and the id per visit, not the
 * visits). Internal to the package.
 */
export class VisitLedger {
  private readonly ids = new Set<string>();
  private readonly customers = new Map<string, CustomerIntervals>();

  /** Throws `DOMAIN.DUPLICATE_VISIT_ID` or `DOMAIN.VISIT_OVERLAP` when `visit` cannot join the ones recorded; changes nothing. */
  check(visit: CheckedVisit): void {
    if (this.ids.has(visit.visitId)) {
      throw new DomainError('DOMAIN.DUPLICATE_VISIT_ID', `Visit id ${visit.visitId} occurs twice.`, { visitId: visit.visitId });
    }
    if (visit.status === 'disputed') return;
    const list = this.customers.get(visit.customerId);
    if (!list) return;
    const at = insertionPoint(list, visit);
    // The recorded intervals never overlap, so only the neighbours in (start, end) order can.
    if (at > 0 && (list.ends[at - 1] as number) > visit.startMs) throw overlapError(visit.customerId, list.ids[at - 1] as string, visit.visitId);
    if (at < list.starts.length && visit.endMs > (list.starts[at] as number)) throw overlapError(visit.customerId, visit.visitId, list.ids[at] as string);
  }

  /** Records a visit that passed {@link VisitLedger.check}. */
  record(visit: CheckedVisit): void {
    this.ids.add(visit.visitId);
    if (visit.status === 'disputed') return;
    let list = this.customers.get(visit.customerId);
    if (!list) {
      list = { starts: [], ends: [], ids: [] };
      this.customers.set(visit.customerId, list);
    }
    const at = insertionPoint(list, visit);
    if (at === list.starts.length) {
      list.starts.push(visit.startMs);
      list.ends.push(visit.endMs);
      list.ids.push(visit.visitId);
    } else {
      list.starts.splice(at, 0, visit.startMs);
      list.ends.splice(at, 0, visit.endMs);
      list.ids.splice(at, 0, visit.visitId);
    }
  }
}

/** Index after every recorded interval that sorts at or before `visit` by (start, end). */
function insertionPoint(list: CustomerIntervals, visit: CheckedVisit): number {
  let lo = 0;
  let hi = list.starts.length;
  // Streams mostly arrive in time order: try the end first.
  if (hi > 0 && (list.starts[hi - 1] as number) < visit.startMs) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = list.starts[mid] as number;
    if (s < visit.startMs || (s === visit.startMs && (list.ends[mid] as number) <= visit.endMs)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
