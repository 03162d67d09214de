import type { ColumnType, Generated } from 'kysely';
import type { IdempotencyTables } from '@kundval/platform';

export type ProviderKind = 'municipal' | 'private';
export type AuthorizationStatus = 'applied' | 'approved' | 'suspended' | 'revoked';
/**
 * `voided` by the provider's refusal (the customer chooses again); `superseded` by a later switch from
 * an earlier date; `ended` when the customer left this provider while keeping another (areas with
 * several providers at once).
 */
export type ChoiceStatus = 'active' | 'voided' | 'superseded' | 'ended';
export type OrderStatus = 'placed' | 'accepted' | 'refused';
/** `moved-out`: a resident left the home; `left`: the customer stopped using one of several providers. */
export type OrderEndReason = 'switched' | 'decision-ended' | 'decision-changed' | 'moved-out' | 'left';
export type RefusalReason = 'over-capacity' | 'outside-service-area';
export type ReminderAbout = 'acceptance' | 'care-plan' | 'approval';
export type QueueEntryStatus = 'waiting' | 'offered' | 'placed' | 'declined' | 'lapsed' | 'left';
export type OfferStatus = 'open' | 'accepted' | 'declined' | 'lapsed' | 'withdrawn';

/** A column the database fills when the insert leaves it out. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/**
 * The orders service's tables: providers and their authorization per voucher area, its copy of the
 * decisions, the choice timeline, orders, care plans, reminders, nursing-home queues and offers,
 * and the platform's `idempotency_keys` (ADR 0016).
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
    /** Another municipality whose decision placed the customer here and pays the voucher; null for our own. */
    deciding_municipality: Defaulted<string | null>;
    /** Attendance days a week granted, where the area is paid per attendance day; null when the decision sets none. */
    days_per_week: Defaulted<number | null>;
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
    /**
     * The choices that follow one another for one provider the customer uses: the first choice starts
     * a track, a switch (or a new choice after a refusal) continues it. An area with one provider at a
     * time has one track per decision; one with several providers at once has one per provider in use.
     */
    track_id: string;
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
    /**
     * True when the order's area lets the customer use several providers at once: its start date is
     * then unique per provider, not per decision.
     */
    one_of_several: Defaulted<boolean>;
  };
  care_plans: {
    care_plan_id: string;
    order_id: string;
    agreed_on: string;
    summary: string;
    recorded_by: string;
    /** Areas paid per attendance day: the first day of attendance the customer and provider agreed. */
    starts_on: Defaulted<string | null>;
    /** Areas paid per attendance day: the days a week agreed. */
    days_per_week: Defaulted<number | null>;
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
  /** Every `decisionChanged` the copy has taken, so that an amendment can be matched to the change it carries. */
  decision_changes: {
    change_id: string;
    decision_id: string;
    effective_from: string;
    care_hours_per_month: string;
    service_hours_per_month: string;
    valid_to: string;
    level: number | null;
    received_at: Generated<Date>;
  };
  /**
   * An order's amendments (POST /orders/:id/changes): its terms from `effective_from` after the
   * decision changed. One from the same or an earlier date, received later, supersedes it.
   */
  order_changes: {
    change_id: string;
    seq: Generated<string>;
    order_id: string;
    effective_from: string;
    /** The order's last day after this amendment. */
    valid_to: string;
    care_hours_per_month: string;
    service_hours_per_month: string;
    level: number | null;
    changed_at: Date;
    superseded_by: Defaulted<string | null>;
  };
  /** The yearly customer survey of an area ("Vad tycker kunden?", ADR 0040). */
  surveys: {
    survey_id: string;
    area_id: string;
    year: number;
    status: 'open' | 'published';
    opened_by: string;
    opened_at: Generated<Date>;
    follow_up_below: Defaulted<string | null>;
    published_by: Defaulted<string | null>;
    published_at: Defaulted<Date | null>;
  };
  survey_answers: { survey_id: string; customer_id: string; provider_id: string; score: number; answered_at: Generated<Date> };
  survey_results: { survey_id: string; provider_id: string; area_id: string; year: number; score_tenths: number; answers: number };
} & IdempotencyTables;
