import type { VoucherAreaDefinition } from '@kundval/domain';

/**
 * What the journey engine needs to know of a voucher area, read from its definition when the
 * journey starts and fixed for the journey's life (a later change to the definition must not make
 * a running journey's history replay differently).
 */
export type AreaPolicy = {
  areaId: string;
  /** A full decision waits for an assessment; a simplified one does not. */
  decisionKind: 'full' | 'simplified';
  deliveryUnit: 'minutes-by-band' | 'occupancy-day' | 'attendance-day' | 'session';
  /** Days after acceptance within which the care plan must be agreed; null when the area needs none. */
  carePlanDeadlineDays: number | null;
  /** Whether the municipality assigns a default provider (ickevalsalternativ) when the customer does not choose. */
  defaultProvider: boolean;
  /** Whether the customer approves each month's deliveries before payment (not for occupancy, which is paid per day of stay). */
  customerApprovesMonths: boolean;
  /** Whether the customer is charged a fee through the municipality (not when everything is paid to the provider). */
  chargesFee: boolean;
  /**
   * Whether the customer may use several providers at once (day activities), each with its own order.
   * Optional: journeys started before areas said so carry a policy without it, and keep one provider at a time.
   */
  severalProviders?: boolean;
};

/** The engine's reading of an area definition: no area is special-cased by id. */
export function areaPolicyOf(area: VoucherAreaDefinition): AreaPolicy {
  const occupancy = area.deliveryUnit === 'occupancy-day';
  return {
    areaId: area.id,
    decisionKind: area.decisionKind,
    deliveryUnit: area.deliveryUnit,
    carePlanDeadlineDays: area.carePlan.required ? area.carePlan.deadlineDays : null,
    // Places in a home are offered from a queue; every other area has a default provider.
    defaultProvider: !occupancy,
    customerApprovesMonths: !occupancy,
    chargesFee: area.fee.kind === 'hourly-tariff' || area.fee.kind === 'per-unit',
    severalProviders: area.providers === 'several',
  };
}
