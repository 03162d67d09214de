import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_STACK_TRACES_ENV } from './stack-traces.js';

/**
 * The SDK as this project patches it (ADR 0052): whether a workflow thread installs the promise hook
 * behind the stack-trace query is read from the environment when the thread installs the SDK's global
 * handlers. Asked in a fresh Node process each time, as a workflow thread starts, because the handlers
 * are installed once per thread.
 */
const probe = `
const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared.js');
globalHandlers.install();
process.stdout.write(JSON.stringify({ promiseHook: globalHandlers.promiseHookInstalled, stackTraces: typeof Error.prepareStackTrace }));
`;
const here = fileURLToPath(new URL('.', import.meta.url));
function threadStartingWith(value: string | undefined): { promiseHook: boolean; stackTraces: string } {
  const env = { ...process.env };
  delete env[WORKFLOW_STACK_TRACES_ENV];
  if (value !== undefined) env[WORKFLOW_STACK_TRACES_ENV] = value;
  return JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: here, env, encoding: 'utf8' })) as { promiseHook: boolean; stackTraces: string };
}

describe('workflow stack traces (the patched SDK)', () => {
  it('leaves out the promise hook when the worker says off, and still maps the stacks of errors to the source', () => {
    expect(threadStartingWith('off')).toEqual({ promiseHook: false, stackTraces: 'function' });
  });

  it('installs the promise hook as the SDK does when the worker says on, or says nothing', () => {
    expect(threadStartingWith('on')).toEqual({ promiseHook: true, stackTraces: 'function' });
    expect(threadStartingWith(undefined)).toEqual({ promiseHook: true, stackTraces: 'function' });
  });
});
