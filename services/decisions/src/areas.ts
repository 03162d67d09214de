import { isDomainError, voucherAreaRegistry, type VoucherAreaDefinition } from '@kundval/domain';
import { invalid } from '@kundval/platform';

/** The voucher area's definition, or a 400 naming the field that gave the unknown id. */
export function areaOf(areaId: string, field = 'body.areaId'): VoucherAreaDefinition {
  try {
    return voucherAreaRegistry.get(areaId);
  } catch (err) {
    if (isDomainError(err)) throw invalid(err.code, `Unknown voucher area ${areaId}.`, { field });
    throw err;
  }
}

/** The definition of an area the service already stored (an application's area): unknown would be a broken invariant. */
export function storedArea(areaId: string): VoucherAreaDefinition {
  return voucherAreaRegistry.get(areaId);
}
