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
  retryCommandUpdate,
  skipCommandUpdate,
  endJourneyUpdate,
  searchAttributes,
  SEARCH_ATTRIBUTE_TYPES,
  CommandFailureType,
  DEFAULT_COMMAND_RETRY_MS,
} from './contracts.js';
export type { Attention, AttentionActor, JourneyEvent, JourneyInput, JourneyState, JourneyStage, JourneyTiming, MonthSettlement, ResolveAttention } from './contracts.js';
export { toJourneyEvent } from './bridge/journey-bridge.js';
export { journeyRoutes } from './routes/journeys.js';
