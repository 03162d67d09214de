/**
 * The workflows the worker registers. This module is bundled into Temporal's deterministic sandbox:
 * it and everything it imports must stay free of I/O, Node built-ins, clocks and randomness.
 *
 * `customerJourneyWorkflow` is the first journey (home care, one decision period); journeys started
 * before the voucher journey existed still run on it, so it stays until none is left
 * (docs/workflow-versioning.md). New journeys start `voucherJourneyWorkflow`.
 */
export { customerJourneyWorkflow } from './customer-journey.workflow.js';
export { voucherJourneyWorkflow } from './voucher-journey.workflow.js';
export { monthlyBillingRunWorkflow } from './billing-run.workflow.js';
