/**
 * Contracts between Kundval's services and its workflows: the event catalog (every NATS subject
 * with its zod schema) and the shapes of the commands the journey sends to the services.
 *
 * @packageDocumentation
 */
export {
  ApplicationReceived,
  AssessmentRecorded,
  DecisionMade,
  ProviderChosen,
  OrderPlaced,
  OrderAccepted,
  CarePlanAgreed,
  MonthApproved,
  FeeCharged,
  FeeChargedV2,
  SurveyPublished,
  FollowUpAlertRaised,
  ProviderPaymentCreated,
  DecisionChanged,
  DecisionEnded,
  ProviderSwitched,
  OrderEnded,
  OrderRefused,
  PlaceQueued,
  PlaceOffered,
  OfferAnswered,
  DeliveryPeriodRecorded,
  DisputeResolved,
  SessionsReported,
  eventCatalog,
  EVENT_STREAM,
  PARKED_STREAM,
  parkedSubject,
  EventEnvelope,
  eventNameOf,
  parseEvent,
} from './events.js';
export type { EventCatalog, EventName, EventPayload, EventInput, CatalogEvent, ParseEventResult } from './events.js';
export { Role, Principal, OnBehalfOf, onBehalfOfFrom } from './auth.js';
export { FreeText, scrubIdentityNumbers, MASKED_IDENTITY_NUMBER } from './personal-data.js';
export { Attention, JourneyState, JourneyStateView, JourneySummary } from './journeys.js';
export {
  Amendment,
  RecordChoiceRequest,
  ChoiceAnswer,
  QueuedAnswer,
  RecordChoiceAnswer,
  PlaceOrderRequest,
  OrderEndReason,
  EndOrderRequest,
  ChangeOrderRequest,
  OrderAnswer,
  RemindProviderRequest,
  ReminderAnswer,
  ChargeFeeRequest,
  FeeInvoiceAnswer,
  PaymentBasis,
  PayProviderRequest,
  ProviderPaymentAnswer,
  ApproveMonthRequest,
  MonthApprovalAnswer,
  RunBillingMonthRequest,
  BillingRunAnswer,
  TaskKind,
  CreateTaskRequest,
  TaskAnswer,
  CloseTasksRequest,
  CloseTasksAnswer,
  DecisionAnswer,
  ServiceErrorBody,
} from './commands.js';
