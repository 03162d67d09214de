import type { OrdersDb } from './store/db.js';
import type { Clock } from './calendar.js';

export type OrdersDeps = {
  db: OrdersDb;
  afterCommit: () => void;
  /** The clock deadlines and "tomorrow" are read from; the system clock unless a test fixes it. */
  clock?: Clock;
  /** A provider whose published survey score is below this gets a follow-up task (ADR 0040); 3.5 when left out. */
  surveyFollowUpBelow?: number;
};
