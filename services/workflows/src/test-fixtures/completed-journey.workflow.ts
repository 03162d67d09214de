/**
 * A journey that completes at once with the state it is given: for the route test that reads a
 * completed journey's state from its last event, with no worker left to answer a query.
 */
import type { JourneyState } from '../contracts.js';

export async function voucherJourneyWorkflow(input: { state: JourneyState }): Promise<JourneyState> {
  return input.state;
}
