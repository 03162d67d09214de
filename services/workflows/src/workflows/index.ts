/**
 * The workflows the worker registers. This module is bundled into Temporal's deterministic sandbox:
 * it and everything it imports must stay free of I/O, Node built-ins, clocks and randomness.
 */
export { customerJourneyWorkflow } from './customer-journey.workflow.js';
