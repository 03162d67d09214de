import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * What a client of the journeys needs: the task queue, the workflow id of a journey, its input, the
 * signal that carries service events into it and the query that reads where it stands. Safe to
 * import from workflow code and from clients alike.
 */
export const TASK_QUEUE = 'kundval-journeys';

/** A journey's workflow id is its business key: one journey per application. */
export const journeyWorkflowId = (applicationId: string) => `journey-${applicationId}`;

/** Durations the journey waits, as milliseconds; configuration, so tests can shorten them. */
export type JourneyTiming = {
  /** How long the customer has to choose before the default provider is assigned. */
  choiceDeadlineMs: number;
};

export const DEFAULT_TIMING: JourneyTiming = { choiceDeadlineMs: 14 * 24 * 3600_000 };

export type JourneyInput = {
  applicationId: string;
  customerId: string;
  areaId: string;
  municipality: string;
  timing: JourneyTiming;
};

/** A service event as the journey receives it: the catalog event reduced to what the journey needs. */
export type JourneyEvent = { eventId: string } & (
  | { kind: 'applicationReceived' }
  | { kind: 'assessmentRecorded'; assessmentId: string }
  | {
      kind: 'decisionMade';
      decisionId: string;
      outcome: 'granted' | 'partly-granted' | 'denied';
      careHoursPerMonth: number;
      serviceHoursPerMonth: number;
      validFrom: string;
      validTo: string;
      denialReason: string | null;
    }
  | { kind: 'providerChosen'; providerId: string; chosenBy: 'customer' | 'default' }
  | { kind: 'orderAccepted'; orderId: string }
  | { kind: 'carePlanAgreed'; orderId: string; agreedOn: string }
  | { kind: 'monthApproved'; orderId: string; month: string; approvedVisits: number; disputedVisits: number }
);

export type JourneyStage =
  | 'application-received'
  | 'assessed'
  | 'decided'
  | 'awaiting-choice'
  | 'awaiting-acceptance'
  | 'awaiting-care-plan'
  | 'in-service'
  | 'completed'
  | 'denied';

export type MonthSettlement = { month: string; feeOre: number; appliedCap: string; ocrReference: string; paymentOre: number; unpricedMinutes: number };

export type JourneyState = {
  applicationId: string;
  customerId: string;
  areaId: string;
  stage: JourneyStage;
  decisionId: string | null;
  providerId: string | null;
  chosenBy: 'customer' | 'default' | null;
  orderId: string | null;
  denialReason: string | null;
  /** The next moment the journey acts on its own if nothing arrives (ISO instant), or null. */
  nextDeadline: string | null;
  /** Months the journey still waits for, in order, and those settled. */
  pendingMonths: string[];
  settledMonths: MonthSettlement[];
};

export const journeyEventSignal = defineSignal<[JourneyEvent]>('journeyEvent');
export const journeyStateQuery = defineQuery<JourneyState>('journeyState');

/** Search attributes on every journey, so the Temporal Web UI and the operators' view can filter them. */
export const searchAttributes = {
  area: defineSearchAttributeKey('KundvalArea', 'KEYWORD'),
  stage: defineSearchAttributeKey('KundvalStage', 'KEYWORD'),
  provider: defineSearchAttributeKey('KundvalProvider', 'KEYWORD'),
  customer: defineSearchAttributeKey('KundvalCustomer', 'KEYWORD'),
  municipality: defineSearchAttributeKey('KundvalMunicipality', 'KEYWORD'),
} as const;

/** The search attributes as the dev server's `--search-attribute` flags declare them. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword'> = {
  KundvalArea: 'Keyword',
  KundvalStage: 'Keyword',
  KundvalProvider: 'Keyword',
  KundvalCustomer: 'Keyword',
  KundvalMunicipality: 'Keyword',
};
