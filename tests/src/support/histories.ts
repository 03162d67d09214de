import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { findRepoRoot, resolveTool, type LocalPlatform } from '@kundval/infra';
import { journeyWorkflowId } from '@kundval/workflows';

/** Where recorded journey histories live; the workflows package replays every file there in its tests. */
export const HISTORY_DIR = join(findRepoRoot(), 'services', 'workflows', 'src', 'workflows', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a finished journey's event history, in the Temporal CLI's JSON
 * format, for the replay tests. Recording is deliberate (run after a workflow change that is meant
 * to be compatible, then commit the files), never automatic, so the committed histories keep
 * guarding the behaviour of journeys already running.
 */
export async function recordHistory(platform: Pick<LocalPlatform, 'temporal'>, applicationId: string, name: string): Promise<void> {
  if (process.env['RECORD_HISTORIES'] !== '1') return;
  await saveHistory(platform, applicationId, join(HISTORY_DIR, `${name}.json`));
}

/** Saves a journey's event history, in the Temporal CLI's JSON format (what `Worker.runReplayHistory` reads), to `file`. */
export async function saveHistory(platform: Pick<LocalPlatform, 'temporal'>, applicationId: string, file: string): Promise<void> {
  const { stdout } = await promisify(execFile)(
    resolveTool('temporal'),
    ['workflow', 'show', '--workflow-id', journeyWorkflowId(applicationId), '--address', platform.temporal.address, '--namespace', platform.temporal.namespace, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, stdout);
}

/**
 * What a journey's history holds so far: the activities it scheduled (by type, in order) and the
 * kinds of the service events it was signalled, for tests that assert which path a journey took.
 */
export async function journeyTrail(platform: Pick<LocalPlatform, 'temporal'>, applicationId: string): Promise<{ activities: string[]; events: string[] }> {
  const connection = await Connection.connect({ address: platform.temporal.address });
  try {
    const client = new Client({ connection, namespace: platform.temporal.namespace });
    const history = await client.workflow.getHandle(journeyWorkflowId(applicationId)).fetchHistory();
    const activities: string[] = [];
    const events: string[] = [];
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) activities.push(scheduled);
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'journeyEvent') {
        const data = signal.input?.payloads?.[0]?.data;
        events.push((JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8')) as { kind: string }).kind);
      }
    }
    return { activities, events };
  } finally {
    await connection.close();
  }
}
