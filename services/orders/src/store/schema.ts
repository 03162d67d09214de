import type { Generated } from 'kysely';

/** The orders service's tables: providers and their authorization, granted decisions it has heard of, choices, orders, care plans. */
export type OrdersTables = {
  providers: {
    provider_id: string;
    name: string;
    kind: 'municipal' | 'private';
    organisation_number: string;
    languages: string[];
    satisfaction_score: string | null;
    created_at: Generated<Date>;
  };
  authorizations: {
    provider_id: string;
    area_id: string;
    status: 'applied' | 'approved' | 'suspended' | 'revoked';
    /** Customers the provider has declared it can take in this area; within it, it may not refuse. */
    capacity_customers: number;
    is_default: boolean;
    updated_at: Generated<Date>;
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
  };
  choices: {
    choice_id: string;
    decision_id: string;
    provider_id: string;
    chosen_by: 'customer' | 'default';
    chosen_at: Generated<Date>;
  };
  orders: {
    order_id: string;
    decision_id: string;
    application_id: string;
    customer_id: string;
    provider_id: string;
    status: 'placed' | 'accepted';
    placed_at: Generated<Date>;
    accepted_at: Date | null;
  };
  care_plans: {
    care_plan_id: string;
    order_id: string;
    agreed_on: string;
    summary: string;
    recorded_by: string;
  };
};
