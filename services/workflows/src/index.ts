/**
 * The workflows service: journey workflows, their activities, the NATS-to-signal bridge and the
 * operators' view. Clients import the contracts (task queue, signal, query, ids) from here.
 *
 * @packageDocumentation
 */
export {
  TASK_QUEUE,
  DEFAULT_TIMING,
  journeyWorkflowId,
  journeyEventSignal,
  journeyStateQuery,
  searchAttributes,
  SEARCH_ATTRIBUTE_TYPES,
} from './contracts.js';
export type { JourneyEvent, JourneyInput, JourneyState, JourneyStage, JourneyTiming, MonthSettlement } from './contracts.js';
export { toJourneyEvent } from './bridge/journey-bridge.js';
