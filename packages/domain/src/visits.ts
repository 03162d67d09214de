import { z } from 'zod';
import { DomainError, issuesOf } from './errors.js';
import { instantMs } from './time-bands.js';

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
    const parsed = DeliveredVisit.safeParse(raw);
    if (!parsed.success) {
      const visitId = typeof raw === 'object' && raw !== null ? (raw as { visitId?: unknown }).visitId : undefined;
      throw new DomainError('DOMAIN.INVALID_VISIT', `Visit at index ${index} is malformed.`, { index, visitId, issues: issuesOf(parsed.error) });
    }
    const visit = parsed.data;
    const startMs = instantMs(visit.start);
    const endMs = instantMs(visit.end);
    if (startMs === null || endMs === null) {
      throw new DomainError('DOMAIN.INVALID_VISIT', `Visit ${visit.visitId} has an unreadable instant.`, { visitId: visit.visitId });
    }
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
    if (ids.has(visit.visitId)) {
      throw new DomainError('DOMAIN.DUPLICATE_VISIT_ID', `Visit id ${visit.visitId} occurs twice.`, { visitId: visit.visitId });
    }
    ids.add(visit.visitId);
    checked.push({ ...visit, startMs, endMs });
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
      if (cur.startMs < prev.endMs) {
        throw new DomainError('DOMAIN.VISIT_OVERLAP', `Visits ${prev.visitId} and ${cur.visitId} of one customer overlap.`, {
          customerId: cur.customerId,
          visitIds: [prev.visitId, cur.visitId],
        });
      }
    }
  }
  return checked;
}
