import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { startTracing } from '@kundval/platform';
import { journeyWorkerInterceptors } from '../activities/on-behalf-of.js';
import { withJourneyTracing } from '../tracing.js';
import { WORKFLOW_STACK_TRACES_ENV } from '../stack-traces.js';

/**
 * Replay tests: every recorded journey history (histories/*.json, recorded from the end-to-end
 * tests with RECORD_HISTORIES=1) must replay against today's workflow code without a determinism
 * error. A change that breaks one needs Temporal's patching (see docs/workflow-versioning.md).
 */
const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const historyDir = fileURLToPath(new URL('./histories/', import.meta.url));
const histories = readdirSync(historyDir).filter((f) => f.endsWith('.json'));
/** What the worker runs the workflows with (worker.ts): the journey's interceptors and Temporal's OpenTelemetry ones (ADR 0038). */
const asTheWorkerRuns = withJourneyTracing(startTracing('replay-test'), journeyWorkerInterceptors);
// …and without the promise hook of the stack-trace query, as the worker runs by default (ADR 0052).
process.env[WORKFLOW_STACK_TRACES_ENV] = 'off';
const load = (file: string) => JSON.parse(readFileSync(`${historyDir}${file}`, 'utf8')) as unknown;

describe('journey workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(30);
  });

  it.each([
    ['voucher-nursing-home-moved-out.json', 'move-out-ends-service'],
    ['voucher-home-care-changed-and-ended-amended.json', 'decision-change-amends-orders'],
    ['voucher-nursing-home-level-changed.json', 'decision-change-amends-orders'],
    ['voucher-home-care-command-failed-retried.json', 'command-failure-policy'],
    ['voucher-home-care-command-failed-retried.json', 'tasks-follow-their-cause'],
    ['voucher-home-care-command-failed-skipped.json', 'command-failure-policy'],
    ['voucher-home-care-command-failed-skipped.json', 'tasks-follow-their-cause'],
    ['voucher-home-care-changed-and-ended-by-orders.json', 'amend-in-orders-consumer'],
    ['voucher-home-care-renewed-by-orders.json', 'amend-in-orders-consumer'],
    ['voucher-nursing-home-level-changed-by-orders.json', 'amend-in-orders-consumer'],
    ['voucher-nursing-home-level-lowered-by-orders.json', 'amend-in-orders-consumer'],
    ['voucher-home-care-chosen-provider-outcomes-in-memo.json', 'request-outcomes-in-memo'],
  ])('has %s recorded on the patched path %s, so replay guards the new branch too', (file, patchId) => {
    expect(patchesIn(load(file))).toContain(patchId);
  });

  it("has a history whose people's requests came as personRequest signals (ADR 0033), so replay guards that path", () => {
    expect(signalsIn(load('voucher-home-care-person-requests.json'))).toContain('personRequest');
  });

  it('has a history whose choices went through the journey, one queued at a full home and one staying in that queue (ADR 0044), so replay guards that path', () => {
    const choices = personRequestsIn(load('voucher-nursing-home-stay-in-queue-through-journey.json')).filter((r) => r['kind'] === 'chooseProvider');
    expect(choices.map((r) => [r['providerId'], r['stayInQueueFor'] ?? null])).toEqual([
      ['sjotorpsgarden', null],
      ['ektorps-hage', 'sjotorpsgarden'],
    ]);
  });

  it('keeps a history from before the decision-change patch, which must replay the old branch', () => {
    expect(patchesIn(load('voucher-home-care-changed-and-ended.json'))).not.toContain('decision-change-amends-orders');
  });

  it.each(['voucher-home-care-changed-and-ended-amended.json', 'voucher-home-care-renewed.json', 'voucher-nursing-home-level-changed.json', 'voucher-nursing-home-level-lowered.json'])(
    'keeps %s from before orders amended the orders itself, so replay guards the journey\'s own amendment command',
    (file) => {
      expect(patchesIn(load(file))).toContain('decision-change-amends-orders');
      expect(patchesIn(load(file))).not.toContain('amend-in-orders-consumer');
    },
  );

  /** Histories recorded after the failure policy and task patches, so on their new branches. */
  const recordedAfterThePolicy = (f: string) => f.includes('command-failed') || f === 'voucher-home-care-person-requests.json' || f.endsWith('-by-orders.json') || f.endsWith('-through-journey.json') || f.endsWith('-outcomes-in-memo.json');
  it.each(histories.filter((f) => !recordedAfterThePolicy(f)))('keeps %s from before the failure policy, so replay guards the old branch', (file) => {
    expect(patchesIn(load(file))).not.toContain('command-failure-policy');
    expect(patchesIn(load(file))).not.toContain('tasks-follow-their-cause');
  });

  it.each(histories)("replays %s with the current workflow code and the worker's interceptors", async (file) => {
    await Worker.runReplayHistory({ workflowsPath, replayName: file, ...asTheWorkerRuns }, load(file));
  });

  it('fails a deliberately non-deterministic change of the journey', async () => {
    const reordered = fileURLToPath(new URL('../test-fixtures/reordered-journey.workflow.ts', import.meta.url));
    await expect(Worker.runReplayHistory({ workflowsPath: reordered, replayName: 'reordered' }, load('home-care-chosen-provider.json'))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});

describe('the workflow bundle', () => {
  it('builds the journey workflows for the sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    expect(bundle.code.length).toBeGreaterThan(1000);
  });

  it('refuses workflow code that imports a Node built-in, which the type checker lets through', async () => {
    const forbidden = fileURLToPath(new URL('../test-fixtures/forbidden-import.workflow.ts', import.meta.url));
    await expect(bundleWorkflowCode({ workflowsPath: forbidden, logger: quiet })).rejects.toThrow(/Webpack finished with errors/);
  });
});

/** The patch ids a recorded history's markers carry. */
function patchesIn(history: unknown): string[] {
  const events = (history as { events: Array<{ markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads: Array<{ data: string }> }> } }> }).events;
  return events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .map((m) => (JSON.parse(Buffer.from(m!.details!['patch-data']!.payloads[0]!.data, 'base64').toString('utf8')) as { id: string }).id);
}

/** The people's requests (`personRequest` signals) a recorded history received, in order. */
function personRequestsIn(history: unknown): Array<Record<string, unknown>> {
  const events = (history as { events: Array<{ workflowExecutionSignaledEventAttributes?: { signalName?: string; input?: { payloads: Array<{ data: string }> } } }> }).events;
  return events.flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'personRequest') return [];
    return [JSON.parse(Buffer.from(signal.input!.payloads[0]!.data, 'base64').toString('utf8')) as Record<string, unknown>];
  });
}

/** The names of the signals a recorded history received. */
function signalsIn(history: unknown): string[] {
  const events = (history as { events: Array<{ workflowExecutionSignaledEventAttributes?: { signalName?: string } }> }).events;
  return events.flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
