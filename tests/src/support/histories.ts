import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
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
