import type { ColumnType, Generated } from 'kysely';

export type ProviderKind = 'municipal' | 'private';
export type AuthorizationStatus = 'applied' | 'approved' | 'suspended' | 'revoked';
/** `voided` by the provider's refusal (the customer chooses again); `superseded` by a later switch from an earlier date. */
export type ChoiceStatus = 'active' | 'voided' | 'superseded';
export type OrderStatus = 'placed' | 'accepted' | 'refused';
export type OrderEndReason = 'switched' | 'decision-ended' | 'decision-changed';
export type RefusalReason = 'over-capacity' | 'outside-service-area';
export type ReminderAbout = 'acceptance' | 'care-plan' | 'approval';
export type QueueEntryStatus = 'waiting' | 'offered' | 'placed' | 'declined' | 'lapsed' | 'left';
export type OfferStatus = 'open' | 'accepted' | 'declined' | 'lapsed' | 'withdrawn';

/** A column the database fills when the insert leaves it out. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/**
 * The orders service's tables: providers and their authorization per voucher area, its copy of the
 * decisions, the choice timeline, orders, care plans, reminders, nursing-home queues and offers,
 * and the answers kept for idempotency keys.
 */
export type OrdersTables = {
  providers: {
    provider_id: string;
    name: string;
    kind: ProviderKind;
    organisation_number: string;
    languages: string[];
    satisfaction_score: string | null;
    created_at: Generated<Date>;
  };
  authorizations: {
    provider_id: string;
    area_id: string;
    status: AuthorizationStatus;
    /** Declared capacity: customers, or places where the area is paid per occupancy day. Within it the provider may not refuse. */
    capacity_customers: number;
    is_default: boolean;
    updated_at: Generated<Date>;
    /** Districts or postcodes the provider serves; empty means the whole municipality. */
    service_area: Defaulted<string[]>;
    /** The area's requirements the administrator has found met. */
    checked_requirements: Defaulted<string[]>;
    /** Places taken or offered (areas paid per occupancy day); freed when the home reports a release. */
    occupied_places: Defaulted<number>;
    applied_at: Defaulted<Date | null>;
    decided_at: Defaulted<Date | null>;
    status_reason: Defaulted<string | null>;
  };
  decisions: {
    decision_id: string;
    application_id: string;
    customer_id: string;
    area_id: string;
    municipality: string;
    outcome: 'granted' | 'partly-granted' | 'denied';
    care_hours_per_month: string;
    service_hours_per_month: string;
    valid_from: string;
    valid_to: string;
    level: Defaulted<number | null>;
    /** The customer's district or postcode, as given with the choice: decides the service-area refusal. */
    district: Defaulted<string | null>;
    /** The last day of service when the decision ended early (decisionEnded). */
    ended_on: Defaulted<string | null>;
    end_reason: Defaulted<string | null>;
  };
  choices: {
    choice_id: string;
    seq: Generated<number>;
    decision_id: string;
    provider_id: string;
    chosen_by: 'customer' | 'default';
    chosen_at: Generated<Date>;
    /** The first day this choice is in force: the decision's start, or a switch's date. */
    effective_from: string;
    status: Defaulted<ChoiceStatus>;
    /** For a switch, the provider switched from. */
    switched_from: Defaulted<string | null>;
  };
  orders: {
    order_id: string;
    decision_id: string;
    application_id: string;
    customer_id: string;
    provider_id: string;
    status: OrderStatus;
    placed_at: Generated<Date>;
    accepted_at: Date | null;
    choice_id: string | null;
    area_id: string;
    valid_from: string;
    valid_to: string;
    level: Defaulted<number | null>;
    care_hours_per_month: string;
    service_hours_per_month: string;
    /** The last day the order is in force when it was ended before valid_to. */
    end_date: Defaulted<string | null>;
    end_reason: Defaulted<OrderEndReason | null>;
    ended_at: Defaulted<Date | null>;
    refusal_reason: Defaulted<RefusalReason | null>;
    refusal_explanation: Defaulted<string | null>;
    refused_at: Defaulted<Date | null>;
    /** Acceptance date + the area's care-plan deadline; null where the area requires no care plan. */
    care_plan_due_by: Defaulted<string | null>;
  };
  care_plans: {
    care_plan_id: string;
    order_id: string;
    agreed_on: string;
    summary: string;
    recorded_by: string;
  };
  reminders: {
    reminder_id: string;
    order_id: string;
    about: ReminderAbout;
    key: string;
    created_at: Generated<Date>;
  };
  queue_entries: {
    queue_entry_id: string;
    seq: Generated<number>;
    provider_id: string;
    area_id: string;
    decision_id: string;
    application_id: string;
    customer_id: string;
    status: QueueEntryStatus;
    queued_at: Generated<Date>;
    left_at: Defaulted<Date | null>;
  };
  offers: {
    offer_id: string;
    queue_entry_id: string;
    provider_id: string;
    area_id: string;
    decision_id: string;
    application_id: string;
    customer_id: string;
    answer_by: string;
    status: OfferStatus;
    offered_at: Generated<Date>;
    answered_at: Defaulted<Date | null>;
    stay_in_queue_for: Defaulted<string | null>;
  };
  idempotency_keys: {
    actor: string;
    key: string;
    route: string;
    fingerprint: string;
    status_code: number;
    body: ColumnType<unknown, string | null, string | null>;
    created_at: Generated<Date>;
  };
};
