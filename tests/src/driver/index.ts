/**
 * Drives the platform through its HTTP APIs as its users would: the demo (`npm run demo`) and the
 * end-to-end tests share it, so the demo shows exactly what the tests prove.
 */
export { Actor, eventually } from './http.js';
export type { Answer, Resilience, Tokens } from './http.js';
export { actors, askJourney, homeCareSteps, journeyReaches, journeyState, runHomeCareJourney } from './journey.js';
export type { Attention, ChoiceDetails, ChoiceMade, HomeCareScenario, JourneyState, MonthApproved, Platform, PlatformUrls, VisitPlan } from './journey.js';
export { DEMO_PROVIDERS, loadDemoData } from './demo-data.js';
export { runAreaJourneyToPayment } from './area-journey.js';
export type { AreaDeliveries, AreaJourneyPlan } from './area-journey.js';
export { nextIdentityNumber, testIdentityNumber } from './identity.js';
