import { defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * What the floor's client and worker share. The floor is the engine's share of a home-care journey:
 * the journey's signals, and the activities, search-attribute upserts and timers it runs after each
 * of them, read from a real journey's history (see ../shape.ts), with activities that do nothing and
 * signals sent straight from a client.
 */
export const FLOOR_TASK_QUEUE = 'kundval-bench-floor';

/** One signal per service event, carrying an event id as the journey's signals do. */
export const floorEventSignal = defineSignal<[{ eventId: string; step: number }]>('floorEvent');

/**
 * A journey's history reduced to its shape: `afterSignal[i]` lists, in order, the commands the
 * journey issued once it had received i + 1 signals — `a` an activity, `u` a search-attribute
 * upsert, `t` a timer (a wait for the next signal with a deadline).
 */
export type FloorShape = { signals: number; afterSignal: string[] };

export type FloorInput = { shape: FloorShape };

/** The journey's search attributes (registered on the dev server by the local platform), under their own names. */
export const floorSearchAttributes = {
  area: defineSearchAttributeKey('KundvalArea', 'KEYWORD'),
  stage: defineSearchAttributeKey('KundvalStage', 'KEYWORD'),
  customer: defineSearchAttributeKey('KundvalCustomer', 'KEYWORD'),
  municipality: defineSearchAttributeKey('KundvalMunicipality', 'KEYWORD'),
} as const;
