import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { serve, tell } from '../../lib/child.js';
import { createFloorActivities } from './activities.js';
import { FLOOR_TASK_QUEUE } from './shared.js';

/**
 * The floor's worker, a process of its own as the journey worker is, with the journey worker's
 * options (services/workflows/src/worker.ts): the concurrency limits come from the same
 * environment variables, WORKER_MAX_CONCURRENT_ACTIVITIES, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
 * WORKER_MAX_CACHED_WORKFLOWS, WORKER_WORKFLOW_THREADS and WORKER_WORKFLOW_STACK_TRACES (the last read
 * by the SDK as the project patches it, in each workflow thread, from TEMPORAL_WORKFLOW_STACK_TRACES; ADR 0052).
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
process.env['TEMPORAL_WORKFLOW_STACK_TRACES'] = env('WORKER_WORKFLOW_STACK_TRACES') === 'true' ? 'on' : 'off';
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  namespace: env('TEMPORAL_NAMESPACE'),
  taskQueue: FLOOR_TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: createFloorActivities(),
  maxConcurrentActivityTaskExecutions: Number(env('WORKER_MAX_CONCURRENT_ACTIVITIES')),
  maxConcurrentWorkflowTaskExecutions: Number(env('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS')),
  maxCachedWorkflows: Number(env('WORKER_MAX_CACHED_WORKFLOWS')),
  workflowThreadPoolSize: Number(env('WORKER_WORKFLOW_THREADS')),
});
const running = worker.run();
serve({}, async () => {
  worker.shutdown();
  await running;
  await connection.close();
});
tell({ type: 'ready' });
