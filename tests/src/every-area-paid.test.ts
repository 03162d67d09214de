import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalPlatform } from '@kundval/infra';
import { BUILT_IN_AREAS, NACKA_TIME_BANDS, type VoucherAreaDefinition } from '@kundval/domain';
import { DEMO_PROVIDERS, nextIdentityNumber, runAreaJourneyToPayment, type AreaDeliveries } from './driver/index.js';
import { startTestPlatform } from './support/platform.js';

/**
 * Every built-in area, from the application to a paid month, through the one journey engine and the
 * area's own delivery route — an area added to BUILT_IN_AREAS is driven here with no edit (but for a
 * minute area with bands of its own, which needs its own visits in `deliveredIn`). The amounts are
 * worked out here from the definition's rate table and fee, and what was delivered: never read back
 * from the platform.
 */
const MONTH = '2026-10';
/** Maxtaxa 2026: round(0.5392 × 59 200 / 12) = 2 660 kr (DOMAIN.md §3). */
const MAXTAXA_2026_ORE = 266_000;
/** The hourly home-care fee the platform is configured with (Nacka 2024: 312 kr/h; DOMAIN.md §3). */
const TARIFF_ORE_PER_HOUR = 31_200;

/** The provider the customer chooses: the area's default provider (so a lapsed choice deadline picks the same one), else the one with most room. */
function providerFor(area: VoucherAreaDefinition) {
  const authorized = DEMO_PROVIDERS.filter((p) => p.areas.some((a) => a.areaId === area.id));
  const room = (p: (typeof authorized)[number]) => p.areas.find((a) => a.areaId === area.id)!.capacity;
  return authorized.find((p) => p.areas.some((a) => a.areaId === area.id && a.isDefault)) ?? [...authorized].sort((a, b) => room(b) - room(a))[0]!;
}

/** What the provider delivers in October 2026, in the area's unit, each item dated on a weekday. */
function deliveredIn(area: VoucherAreaDefinition, tag: string): AreaDeliveries {
  switch (area.deliveryUnit) {
    case 'minutes-by-band':
      if (area.bands.id !== NACKA_TIME_BANDS.id) throw new Error(`${area.id} has bands of its own: write its visits here`);
      // Tuesday to Thursday, 08:00–09:30 local time (summer time): weekday daytime, 3 × 90 minutes of care.
      return { unit: 'minutes-by-band', visits: ['06', '07', '08'].map((d) => ({ externalId: `${tag}-${d}`, kind: 'care' as const, start: `2026-10-${d}T08:00:00+02:00`, end: `2026-10-${d}T09:30:00+02:00` })) };
    case 'occupancy-day':
      return { unit: 'occupancy-day', moveIn: '2026-10-20' };
    case 'attendance-day':
      return { unit: 'attendance-day', days: ['2026-10-06', '2026-10-08', '2026-10-13'] };
    case 'session': {
      // Two sessions on the 6th where the area allows two a day; one a day otherwise.
      const dates = (area.sessionsPerDay ?? 1) > 1 ? ['2026-10-06', '2026-10-06', '2026-10-13'] : ['2026-10-06', '2026-10-13', '2026-10-20'];
      return { unit: 'session', sessions: dates.map((date, i) => ({ externalId: `${tag}-${i + 1}`, date })) };
    }
  }
}

/** The dates of what was delivered, one per unit paid (occupied days from move-in to the month's end). */
function unitDates(d: AreaDeliveries): string[] {
  if (d.unit === 'occupancy-day') return Array.from({ length: 31 - Number(d.moveIn.slice(8)) + 1 }, (_, i) => `2026-10-${String(Number(d.moveIn.slice(8)) + i).padStart(2, '0')}`);
  if (d.unit === 'attendance-day') return d.days;
  if (d.unit === 'session') return d.sessions.map((s) => s.date);
  return [];
}

/** The oracle: the month's payment from the definition's rate table valid on each date, at the decided level's rate for the provider's kind. */
function expectedPaymentOre(area: VoucherAreaDefinition, level: number, providerKind: 'municipal' | 'private', d: AreaDeliveries): number {
  const validOn = <T extends { validFrom: string; validTo: string | null }>(tables: T[], date: string) => tables.find((t) => t.validFrom <= date && (t.validTo === null || date < t.validTo))!;
  if (area.deliveryUnit === 'minutes-by-band') {
    if (d.unit !== 'minutes-by-band') throw new Error('minutes expected');
    // Every minute is weekday daytime care (see deliveredIn): minutes × hourly rate / 60, rounded half up once for the line.
    const minutes = d.visits.reduce((sum, v) => sum + (Date.parse(v.end) - Date.parse(v.start)) / 60_000, 0);
    const rate = validOn(area.rateTables, MONTH + '-01').rates.find((r) => r.kind === 'care' && r.band === 'weekday-day' && r.providerKind === providerKind)!.orePerHour;
    return Math.floor((minutes * rate + 30) / 60);
  }
  const levelId = area.levels[level - 1]!.id;
  return unitDates(d).reduce((sum, date) => sum + validOn(area.rateTables, date).rates.find((r) => r.level === levelId && r.providerKind === providerKind)!.orePerUnit, 0);
}

/** The oracle for the customer's fee: the area's fee model on what was delivered, under the maxtaxa where it shares it, in whole kronor. */
function expectedFeeOre(area: VoucherAreaDefinition, d: AreaDeliveries): number {
  const kronor = (ore: number) => Math.floor((ore + 50) / 100) * 100;
  const fee = area.fee;
  if (fee.kind === 'none' || fee.kind === 'paid-to-provider') return 0;
  const tariff =
    fee.kind === 'hourly-tariff'
      ? d.unit === 'minutes-by-band'
        ? Math.floor((d.visits.reduce((s, v) => s + (Date.parse(v.end) - Date.parse(v.start)) / 60_000, 0) * TARIFF_ORE_PER_HOUR + 30) / 60)
        : 0
      : unitDates(d).length * fee.orePerUnit;
  return fee.sharedMaxtaxa ? kronor(Math.min(tariff, MAXTAXA_2026_ORE)) : tariff;
}

describe('every built-in area reaches a paid month', () => {
  let platform: LocalPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('every-area-paid');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it.each(BUILT_IN_AREAS.map((area) => [area.id, area] as const))('%s: paid and charged what its rate table and fee say for what was delivered', { timeout: 240_000 }, async (_id, area) => {
    const provider = providerFor(area);
    // The highest level: a decision's level n is the area's n-th level, whatever its id.
    const level = area.deliveryUnit === 'minutes-by-band' ? 1 : area.levels.length;
    const deliveries = deliveredIn(area, `${area.id}-${Date.now()}`);
    const { settled } = await runAreaJourneyToPayment(platform, {
      area,
      identityNumber: nextIdentityNumber(1950),
      providerId: provider.providerId,
      level,
      hours: { care: 5, service: 0 },
      validFrom: '2026-10-01',
      validTo: '2026-12-31',
      month: MONTH,
      deliveries,
    });
    expect(settled.paymentOre).toBe(expectedPaymentOre(area, level, provider.kind, deliveries));
    expect(settled.paymentOre).toBeGreaterThan(0);
    expect(settled.feeOre).toBe(expectedFeeOre(area, deliveries));
  });
});
