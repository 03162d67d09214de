import type { ColumnType, Generated } from 'kysely';

type Json<T> = ColumnType<T, string, string>;

/** The decisions service's tables. Identity numbers live in `customers` and nowhere else in the platform. */
export type DecisionsTables = {
  customers: {
    customer_id: string;
    /** 12 digits, century included (DOMAIN.md §1). Sensitive: never logged, never in an event. */
    identity_number: string;
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
    idempotency_key: string | null;
    created_by: string;
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
  decisions: {
    decision_id: string;
    application_id: string;
    customer_id: string;
    area_id: string;
    outcome: 'granted' | 'partly-granted' | 'denied';
    care_hours_per_month: string;
    service_hours_per_month: string;
    valid_from: string;
    valid_to: string;
    denial_reason: string | null;
    decided_by: string;
    decided_at: Generated<Date>;
  };
};
