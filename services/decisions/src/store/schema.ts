import type { ColumnType, Generated } from 'kysely';
import type { IdempotencyTables } from '@kundval/platform';

type Json<T> = ColumnType<T, string, string>;

export type Outcome = 'granted' | 'partly-granted' | 'denied';
export type EndReason = 'expired' | 'moved' | 'deceased' | 'withdrawn' | 'replaced';
export type TaskKind =
  | 'acceptance-overdue'
  | 'care-plan-overdue'
  | 'approval-overdue'
  | 'dispute'
  | 'order-refused'
  | 'decision-expiring'
  | 'queue-waiting'
  | 'moved-out'
  | 'payment-correction'
  | 'command-failed'
  | 'under-delivery'
  | 'over-delivery'
  | 'survey-follow-up';

/**
 * The decisions service's tables, with the platform's `idempotency_keys` (ADR 0016). Identity
 * numbers live in `customers` and nowhere else in the platform.
 */
export type DecisionsTables = {
  customers: {
    customer_id: string;
    /** Plain 12 digits: only rows written before migration 0005, until the service's start seals them; then null. */
    identity_number: string | null;
    /** HMAC-SHA256 of the 12 digits with IDENTITY_LOOKUP_KEY: finds a number's customer (identity-vault.ts). */
    identity_hash: string | null;
    /** The 12 digits (century included, DOMAIN.md §1) sealed under IDENTITY_KEYS. Sensitive: never logged, never in an event. */
    identity_sealed: string | null;
    created_at: Generated<Date>;
  };
  applications: {
    application_id: string;
    customer_id: string;
    area_id: string;
    municipality: string;
    channel: 'citizen' | 'relative' | 'discharge-planner' | 'case-handler';
    status: 'received' | 'assessed' | 'decided';
    received_at: Date;
    /** Superseded by `idempotency_keys` (migration 0002); no longer written. */
    idempotency_key: ColumnType<string | null, string | null | undefined, never>;
    created_by: string;
    /** Who applied for the customer (a relative, a discharge planner): free text, never an identity number. */
    on_behalf_name: ColumnType<string | null, string | null | undefined, string | null>;
    on_behalf_relation: ColumnType<string | null, string | null | undefined, string | null>;
  };
  assessments: {
    assessment_id: string;
    application_id: string;
    life_areas: Json<Array<{ area: string; need: string }>>;
    instruments: Json<Array<{ instrument: string; score: number }>>;
    assessed_on: string;
    recorded_by: string;
    recorded_at: Generated<Date>;
  };
  /** A decision as it now stands: its latest version's terms, and its end once ended. */
  decisions: {
    decision_id: string;
    application_id: string;
    customer_id: string;
    area_id: string;
    outcome: Outcome;
    care_hours_per_month: string;
    service_hours_per_month: string;
    valid_from: string;
    valid_to: string;
    denial_reason: string | null;
    decided_by: string;
    decided_at: Generated<Date>;
    /** The voucher level, 1-based position in the area's level list (ADR 0009); null for areas without levels. */
    level: number | null;
    care_need_points: number | null;
    days_per_week: number | null;
    /** What a partly granted decision did not grant. */
    denied_part: string | null;
    /** Another municipality whose decision places the customer here; null for our own decisions. */
    deciding_municipality: string | null;
    decided_on: string;
    version: Generated<number>;
    /** First day of the current version's terms. */
    effective_from: string;
    end_date: string | null;
    end_reason: EndReason | null;
    ended_by: string | null;
    ended_at: Date | null;
  };
  /** Every version of a decision's terms: version 1 is the decision, later ones its changes (omprövning). */
  decision_versions: {
    decision_id: string;
    version: number;
    change_id: string;
    kind: 'decided' | 'change' | 'renewal';
    effective_from: string;
    care_hours_per_month: string;
    service_hours_per_month: string;
    level: number | null;
    care_need_points: number | null;
    days_per_week: number | null;
    valid_to: string;
    reason: string | null;
    changed_by: string;
    changed_at: Generated<Date>;
  };
  decision_imports: {
    source: string;
    external_id: string;
    decision_id: string;
    /** The record as normalised on import, with `customerId` in place of the identity number. */
    record: Json<Record<string, unknown>>;
    imported_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  /** The case handlers' work queue, fed by the journey's escalations. */
  tasks: {
    task_id: string;
    /** Null for a task about a provider (a low survey score), which names `provider_id` and `area_id`. */
    application_id: string | null;
    provider_id: ColumnType<string | null, string | null | undefined, string | null>;
    area_id: ColumnType<string | null, string | null | undefined, string | null>;
    kind: TaskKind;
    key: string;
    message: string;
    status: 'open' | 'done';
    created_by: string;
    created_at: Generated<Date>;
    done_by: string | null;
    done_at: Date | null;
    note: string | null;
  };
} & IdempotencyTables;
