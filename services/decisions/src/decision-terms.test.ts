import { describe, expect, it } from 'vitest';
import { voucherAreaRegistry } from '@kundval/domain';
import { checkTerms, outcomeIssues } from './decision-terms.js';

const area = (id: string) => voucherAreaRegistry.get(id);

describe('decision terms by voucher area', () => {
  it('maps nursing-home care-need points to the eight levels of the demo mapping', () => {
    const levels = [3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24].map((points) => {
      const checked = checkTerms(area('nursing-home'), 'granted', { careNeedPoints: points });
      return checked.ok ? checked.terms.level : null;
    });
    expect(levels).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
  });

  it('gives an area with a single level that level without asking (family counselling)', () => {
    expect(checkTerms(area('family-counselling'), 'granted', {})).toEqual({ ok: true, terms: { careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: 1, careNeedPoints: null, daysPerWeek: null } });
  });

  it('numbers named levels by their place in the definition (adult education: upper-secondary is 2)', () => {
    const checked = checkTerms(area('adult-education'), 'granted', { level: 2 });
    expect(checked.ok && checked.terms.level).toBe(2);
    expect(checkTerms(area('adult-education'), 'granted', { level: 3 })).toEqual({ ok: false, issues: [{ field: 'level', reason: 'adult-education has levels 1–2' }] });
  });

  it('keeps hours to areas paid by the minute', () => {
    expect(checkTerms(area('home-care'), 'granted', { careHoursPerMonth: 10, serviceHoursPerMonth: 0 })).toMatchObject({ ok: true, terms: { careHoursPerMonth: 10, level: null } });
    expect(checkTerms(area('family-counselling'), 'granted', { serviceHoursPerMonth: 2 })).toMatchObject({ ok: false, issues: [{ field: 'serviceHoursPerMonth' }] });
    // Zero hours are no hours: clients that always send both fields are not refused for it.
    expect(checkTerms(area('day-activities'), 'granted', { careHoursPerMonth: 0, serviceHoursPerMonth: 0, level: 1, daysPerWeek: 5 }).ok).toBe(true);
  });

  it('asks a partial grant for the part denied and why, and a full grant for neither', () => {
    expect(outcomeIssues({ outcome: 'partly-granted' }).map((i) => i.field)).toEqual(['deniedPart', 'denialReason']);
    expect(outcomeIssues({ outcome: 'granted', deniedPart: 'x' }).map((i) => i.field)).toEqual(['deniedPart']);
    expect(outcomeIssues({ outcome: 'denied', denialReason: 'No need found.' })).toEqual([]);
  });
});
