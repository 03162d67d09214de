import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { UnprocessableEventError, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { CatalogEvent } from '@kundval/contracts';
import { isDomainError, voucherAreaRegistry } from '@kundval/domain';
import { TASK_QUEUE, journeyEventSignal, journeyWorkflowId, searchAttributes, type JourneyEvent, type JourneyTiming } from '../contracts.js';
import { areaPolicyOf } from '../area-policy.js';
import { voucherJourneyWorkflow } from '../workflows/voucher-journey.workflow.js';

/**
 * Turns service events into journey signals. An application starts its journey (signal-with-start,
 * so a redelivered application event finds the journey already there); every later event signals
 * the journey of its application. The journey ignores an event id it has seen.
 *
 * Journeys are signalled concurrently, each journey's events one after another in stream order:
 * the consumer is partitioned by application id (one journey per application), and an event is
 * acknowledged only once its signal has been accepted. Several bridges (replicas) share the durable
 * consumer as one pinned priority group: one of them signals while the others stand by, so no two
 * bridges ever signal one journey at once, and one of them takes over when it dies (ADR 0041).
 */
export function startJourneyBridge(deps: {
  bus: EventBus;
  client: Client;
  logger: Logger;
  timing: Required<JourneyTiming>;
  /** Signals in flight at once across journeys (`BRIDGE_CONCURRENCY`): each is one round trip to the Temporal server. */
  concurrency: number;
  /** Deliveries of an event that cannot be signalled yet before it is parked (the consumer's default, 10, when omitted). */
  maxDeliveries?: number;
  /** Take turns with other bridges as a pinned priority group (`BRIDGE_PINNED`, ADR 0041); on unless said otherwise. */
  pinned?: boolean;
}) {
  const { client, timing } = deps;
  return startConsumer({
    bus: deps.bus,
    durable: 'workflows-journeys',
    partitioned: { key: (event) => applicationIdOf(event) ?? event.subject, concurrency: deps.concurrency },
    ...(deps.pinned === false ? {} : { pinned: { group: BRIDGE_GROUP } }),
    ...(deps.maxDeliveries ? { maxDeliveries: deps.maxDeliveries } : {}),
    events: [
      'applicationReceived',
      'assessmentRecorded',
      'decisionMade',
      'decisionChanged',
      'decisionEnded',
      'providerChosen',
      'providerSwitched',
      'placeQueued',
      'placeOffered',
      'orderAccepted',
      'orderRefused',
      'orderEnded',
      'orderChanged',
      'carePlanAgreed',
      'deliveryPeriodRecorded',
      'monthApproved',
      'disputeResolved',
    ],
    logger: deps.logger,
    handler: async (event) => {
      const journeyEvent = toJourneyEvent(event);
      const applicationId = applicationIdOf(event);
      if (!journeyEvent || !applicationId) return;
      const signal = { ...journeyEvent, correlationId: event.correlationId };
      const workflowId = journeyWorkflowId(applicationId);
      if (event.name === 'applicationReceived') {
        const p = event.payload;
        // The area's definition is read once, here: the running journey keeps the policy it started with.
        const policy = policyFor(p.areaId);
        try {
          await client.workflow.signalWithStart(voucherJourneyWorkflow, {
            workflowId,
            taskQueue: TASK_QUEUE,
            args: [{ applicationId: p.applicationId, customerId: p.customerId, municipality: p.municipality, policy, timing }],
            signal: journeyEventSignal,
            signalArgs: [signal],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [
              { key: searchAttributes.area, value: p.areaId },
              { key: searchAttributes.customer, value: p.customerId },
              { key: searchAttributes.municipality, value: p.municipality },
              { key: searchAttributes.stage, value: 'application-received' },
            ],
          });
        } catch (err) {
          // The journey ran and closed already: the application was handled; nothing to do.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        return;
      }
      try {
        await client.workflow.getHandle(workflowId).signal(journeyEventSignal, signal);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          // The end of an order the journey itself ended, arriving after the journey closed: nothing to tell it.
          if (CLOSED_JOURNEY_NEEDS_NOT.has(event.name)) return;
          // Not started yet: its application event is being retried (Temporal was down when it came), and
          // this later event overtook it. Retried like any failure, so it reaches the journey once it runs.
          if (!(await journeyExists(workflowId))) throw new Error(`the journey ${workflowId} for ${event.name} has not started yet`);
          // The journey ran and closed: no running journey takes this event, so an operator must look.
          throw new UnprocessableEventError(`no running journey ${workflowId} for ${event.name}`);
        }
        throw err;
      }
    },
  });

  /** Whether the journey was ever started (running or closed), as opposed to not started yet. */
  async function journeyExists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}

/** The priority group the bridges pull in: one of them pinned, the others standing by. */
export const BRIDGE_GROUP = 'bridges';

/**
 * Events a closed journey has no use for: it ends its orders itself before it closes, and an order
 * amended after it closed follows a decision change the bridge reports to an operator itself.
 */
const CLOSED_JOURNEY_NEEDS_NOT = new Set<CatalogEvent['name']>(['orderEnded', 'orderChanged']);

function policyFor(areaId: string) {
  try {
    return areaPolicyOf(voucherAreaRegistry.get(areaId));
  } catch (err) {
    // An area this platform does not define cannot start a journey, however often it is retried.
    if (isDomainError(err)) throw new UnprocessableEventError(`unknown voucher area ${areaId}`);
    throw err;
  }
}

/** The journey an event belongs to; none for an event about no customer's application (a published survey). */
function applicationIdOf(event: CatalogEvent): string | undefined {
  return 'applicationId' in event.payload ? event.payload.applicationId : undefined;
}

/** The part of a catalog event the journey needs, tagged with its event id for de-duplication. */
export function toJourneyEvent(event: CatalogEvent): JourneyEvent | undefined {
  const { eventId } = event;
  switch (event.name) {
    case 'applicationReceived':
      // Starts the journey; sent as its first signal so that start and event are one atomic call.
      return { eventId, kind: 'applicationReceived' };
    case 'assessmentRecorded':
      return { eventId, kind: 'assessmentRecorded', assessmentId: event.payload.assessmentId };
    case 'decisionMade': {
      const p = event.payload;
      return {
        eventId,
        kind: 'decisionMade',
        decisionId: p.decisionId,
        outcome: p.outcome,
        careHoursPerMonth: p.careHoursPerMonth,
        serviceHoursPerMonth: p.serviceHoursPerMonth,
        validFrom: p.validFrom,
        validTo: p.validTo,
        denialReason: p.denialReason,
      };
    }
    case 'providerChosen':
      return { eventId, kind: 'providerChosen', providerId: event.payload.providerId, chosenBy: event.payload.chosenBy };
    case 'orderAccepted':
      return { eventId, kind: 'orderAccepted', orderId: event.payload.orderId };
    case 'carePlanAgreed':
      return { eventId, kind: 'carePlanAgreed', orderId: event.payload.orderId, agreedOn: event.payload.agreedOn };
    case 'monthApproved': {
      const p = event.payload;
      return { eventId, kind: 'monthApproved', orderId: p.orderId, month: p.month, approvedVisits: p.approvedVisits, disputedVisits: p.disputedVisits };
    }
    case 'decisionChanged': {
      const p = event.payload;
      return { eventId, kind: 'decisionChanged', effectiveFrom: p.effectiveFrom, careHoursPerMonth: p.careHoursPerMonth, serviceHoursPerMonth: p.serviceHoursPerMonth, validTo: p.validTo, level: p.level };
    }
    case 'decisionEnded':
      return { eventId, kind: 'decisionEnded', reason: event.payload.reason, endDate: event.payload.endDate };
    case 'providerSwitched':
      return { eventId, kind: 'providerSwitched', toProviderId: event.payload.toProviderId, effectiveFrom: event.payload.effectiveFrom, fromProviderId: event.payload.fromProviderId };
    case 'orderEnded':
      return { eventId, kind: 'orderEnded', orderId: event.payload.orderId, endDate: event.payload.endDate, reason: event.payload.reason };
    case 'orderChanged': {
      const p = event.payload;
      return { eventId, kind: 'orderChanged', orderId: p.orderId, effectiveFrom: p.effectiveFrom, validTo: p.validTo, level: p.level };
    }
    case 'orderRefused':
      return { eventId, kind: 'orderRefused', orderId: event.payload.orderId, reason: event.payload.reason, explanation: event.payload.explanation };
    case 'placeQueued':
      return { eventId, kind: 'placeQueued', providerId: event.payload.providerId };
    case 'placeOffered':
      return { eventId, kind: 'placeOffered', providerId: event.payload.providerId, answerBy: event.payload.answerBy };
    case 'deliveryPeriodRecorded': {
      const p = event.payload;
      return { eventId, kind: 'deliveryPeriodRecorded', orderId: p.orderId, period: p.kind, from: p.from, to: p.to };
    }
    case 'disputeResolved': {
      const p = event.payload;
      return { eventId, kind: 'disputeResolved', orderId: p.orderId, month: p.month, approvedVisits: p.approvedVisits, rejectedVisits: p.rejectedVisits };
    }
    default:
      return undefined;
  }
}
