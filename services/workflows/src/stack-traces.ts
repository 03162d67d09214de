/**
 * The environment variable through which the worker tells the Temporal SDK, as this project patches it
 * (`patches/@temporalio+worker+1.24.0.patch`, ADR 0052), whether to keep a stack for every promise
 * workflow code makes: `off` leaves out the SDK's promise hook, and with it the stack-trace query.
 * Each workflow thread reads it from the environment the worker process gave it.
 */
export const WORKFLOW_STACK_TRACES_ENV = 'TEMPORAL_WORKFLOW_STACK_TRACES';
