import { DomainError } from './errors.js';
import { multiplySafe } from './money.js';
import { homeCareTariffOre } from './fees.js';
import type { VoucherAreaDefinition } from './voucher-areas.js';

/** A customer's tariff in one area for a month, and whether it falls under the shared maxtaxa. */
export type AreaFeeCharge = {
  areaId: string;
  tariffOre: number;
  /** True: pass it to {@link computeMonthlyFee} with the other capped areas. False: bill it as is. */
  sharedMaxtaxa: boolean;
};

/**
 * The tariff of any area from what was delivered, by the area's fee model: hourly tariff ×
 * approved minutes, per-unit fee × units, nothing for `none` and `paid-to-provider` (rent and food
 * go to the provider outside the voucher; DOMAIN.md §3). Lets a new area charge fees without code.
 *
 * @example areaFeeCharge(HOME_CARE, { approvedMinutes: 600 }) // { areaId: 'home-care', tariffOre: 312_000, sharedMaxtaxa: true }
 */
export function areaFeeCharge(area: VoucherAreaDefinition, delivered: { approvedMinutes?: number; units?: number }): AreaFeeCharge {
  const fee = area.fee;
  switch (fee.kind) {
    case 'hourly-tariff': {
      if (delivered.approvedMinutes === undefined) {
        throw new DomainError('DOMAIN.INVALID_FEE_INPUT', `Area ${area.id} charges by the hour: pass approvedMinutes.`, { areaId: area.id });
      }
      return { areaId: area.id, tariffOre: homeCareTariffOre({ approvedMinutes: delivered.approvedMinutes, tariffOrePerHour: fee.tariffOrePerHour }), sharedMaxtaxa: fee.sharedMaxtaxa };
    }
    case 'per-unit': {
      const units = delivered.units;
      if (units === undefined || !Number.isSafeInteger(units) || units < 0) {
        throw new DomainError('DOMAIN.INVALID_FEE_INPUT', `Area ${area.id} charges per unit: pass units as a non-negative integer.`, { areaId: area.id, units });
      }
      return { areaId: area.id, tariffOre: multiplySafe(units, fee.orePerUnit), sharedMaxtaxa: fee.sharedMaxtaxa };
    }
    case 'paid-to-provider':
    case 'none':
      return { areaId: area.id, tariffOre: 0, sharedMaxtaxa: false };
  }
}
