import { DELIVERY_ROUTES } from '@kundval/domain';
import { conflict } from '@kundval/platform';
import { deliveryUnitOf } from '../../areas.js';
import type { OrderRow } from '../../store/rows.js';

/** Refuses a delivery reported for an order of an area paid by another unit, naming the route to use. */
export function assertUnit(order: OrderRow, unit: 'occupancy-day' | 'attendance-day'): void {
  const actual = deliveryUnitOf(order.area_id);
  if (actual !== unit) throw conflict('BILLING.AREA_MISMATCH', `Order ${order.order_id} is in ${order.area_id}, paid by ${actual}, not by ${unit}: report it with ${DELIVERY_ROUTES[actual]}.`);
}
