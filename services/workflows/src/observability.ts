import { Counter, Gauge } from 'prom-client';
import { ApplicationFailure, type Client } from '@temporalio/client';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { guardCollect, type Metrics } from '@kundval/platform';
import type { JourneyStage } from './contracts.js';

/** Every stage a journey can be at, for the journeys-by-stage gauge (a stage with none reads 0, not absent). */
const STAGES: readonly JourneyStage[] = [
  'application-received',
  'assessed',
  'decided',
  'awaiting-choice',
  'queued',
  'awaiting-acceptance',
  'awaiting-care-plan',
  'awaiting-move-in',
  'in-service',
  'ending',
  'completed',
  'denied',
];
const JOURNEYS = `WorkflowType IN ('customerJourneyWorkflow', 'voucherJourneyWorkflow') AND ExecutionStatus = 'Running'`;

/**
 * The journeys' gauges, read from Temporal's visibility store at each scrape: running journeys by
 * stage (one count each) and by the kind of their open attention (`KundvalAttention`, listed, as
 * only those waiting on a person carry one). The workflows service keeps no tables of its own.
 */
export function registerJourneyMetrics(metrics: Metrics, client: Client): void {
  new Gauge({
    name: 'kundval_journeys',
    help: 'Running journeys by stage (KundvalStage)',
    labelNames: ['stage'],
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_journeys', async () => {
        const counts = await Promise.all(STAGES.map(async (stage) => [stage, (await client.workflow.count(`${JOURNEYS} AND KundvalStage = '${stage}'`)).count] as const));
        for (const [stage, n] of counts) this.set({ stage }, n);
      });
    },
  });
  new Gauge({
    name: 'kundval_journeys_attention',
    help: 'Running journeys waiting on a person, by the kind of their latest open attention (KundvalAttention)',
    labelNames: ['attention'],
    registers: [metrics.registry],
    async collect() {
      await guardCollect(metrics, 'kundval_journeys_attention', async () => {
        const byKind = new Map<string, number>();
        for await (const wf of client.workflow.list({ query: `${JOURNEYS} AND KundvalAttention != 'none'` })) {
          const kind = wf.searchAttributes['KundvalAttention'];
          const key = Array.isArray(kind) && kind.length > 0 ? String(kind[0]) : 'unknown';
          byKind.set(key, (byKind.get(key) ?? 0) + 1);
        }
        this.reset();
        for (const [attention, n] of byKind) this.set({ attention }, n);
      });
    },
  });
}

/**
 * Counts each failed attempt of an activity by command (the activity's name) and how it failed:
 * `CommandRefused` and `UnexpectedAnswer` end the command (the journey asks a person), anything else
 * is retried within the journey's bound. A rising `retryable` rate is a service or the network in trouble.
 */
export function activityFailureInterceptor(metrics: Metrics): ActivityInterceptorsFactory {
  const failures = new Counter({
    name: 'kundval_activity_failures_total',
    help: 'Failed activity attempts by command and failure type (CommandRefused and UnexpectedAnswer end the command; the others are retried)',
    labelNames: ['command', 'failure'],
    registers: [metrics.registry],
  });
  const attempts = new Counter({
    name: 'kundval_activity_attempts_total',
    help: 'Activity attempts by command',
    labelNames: ['command'],
    registers: [metrics.registry],
  });
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const command = ctx.info.activityType;
        attempts.inc({ command });
        try {
          return await next(input);
        } catch (err) {
          const failure = err instanceof ApplicationFailure && err.type ? err.type : err instanceof Error ? err.name : 'Error';
          failures.inc({ command, failure });
          throw err;
        }
      },
    };
    return { inbound };
  };
}
