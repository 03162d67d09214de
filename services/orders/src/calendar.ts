/** Where the service reads the time: the real clock in production, a fixed one in tests. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The calendar date in Europe/Stockholm at an instant: the one Stockholm calendar, in packages/domain. */
export { stockholmDate } from '@kundval/domain';
