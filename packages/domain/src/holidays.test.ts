import { describe, expect, it } from 'vitest';
import { addDays, isoWeekday } from './calendar-date.js';
import { easterSunday, isEveningBeforeHoliday, isPricingHoliday, isPublicHoliday, swedishHolidays } from './holidays.js';
import { EASTER_DATES } from './test-support/easter-dates.js';

describe('the Swedish holiday calendar', () => {
  it.each([
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2024, '2024-03-31'],
    [1900, '1900-04-15'],
    [2008, '2008-03-23'],
    [2038, '2038-04-25'],
    [2199, '2199-04-14'],
  ])('puts Easter Sunday %i on %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('agrees with an independent Easter table for every year 1900–2199', () => {
    for (let year = 1900; year <= 2199; year++) {
      expect(easterSunday(year), String(year)).toBe(`${year}-${EASTER_DATES[year]}`);
    }
  });

  it('places the movable holidays on the right weekdays every year 1900–2199', () => {
    for (let year = 1900; year <= 2199; year++) {
      const byId = new Map(swedishHolidays(year).map((h) => [h.id, h.date]));
      expect(isoWeekday(byId.get('easter-sunday') as string)).toBe(7);
      expect(isoWeekday(byId.get('good-friday') as string)).toBe(5);
      expect(isoWeekday(byId.get('ascension-day') as string)).toBe(4);
      const midsummer = byId.get('midsummer-day') as string;
      expect(isoWeekday(midsummer)).toBe(6);
      expect(midsummer >= `${year}-06-20` && midsummer <= `${year}-06-26`).toBe(true);
      expect(byId.get('midsummer-eve')).toBe(addDays(midsummer, -1));
      const allSaints = byId.get('all-saints-day') as string;
      expect(isoWeekday(allSaints)).toBe(6);
      expect(allSaints >= `${year}-10-31` && allSaints <= `${year}-11-06`).toBe(true);
    }
  });

  it('lists the 2025 holidays of the law and the four eves', () => {
    expect(swedishHolidays(2025).map((h) => `${h.date} ${h.id} ${h.kind}`)).toEqual([
      '2025-01-01 new-years-day public',
      '2025-01-06 epiphany public',
      '2025-04-18 good-friday public',
      '2025-04-19 easter-eve eve',
      '2025-04-20 easter-sunday public',
      '2025-04-21 easter-monday public',
      '2025-05-01 may-day public',
      '2025-05-29 ascension-day public',
      '2025-06-06 national-day public',
      '2025-06-08 whit-sunday public',
      '2025-06-20 midsummer-eve eve',
      '2025-06-21 midsummer-day public',
      '2025-11-01 all-saints-day public',
      '2025-12-24 christmas-eve eve',
      '2025-12-25 christmas-day public',
      '2025-12-26 boxing-day public',
      '2025-12-31 new-years-eve eve',
    ]);
  });

  it.each([
    ['2025-03-09', true, true], // a Sunday
    ['2025-04-18', true, true], // Good Friday
    ['2025-04-19', false, true], // Easter Eve: priced as a holiday, not one in law
    ['2025-06-20', false, true], // Midsummer Eve
    ['2025-12-24', false, true], // Christmas Eve
    ['2025-12-31', false, true], // New Year's Eve
    ['2026-10-31', true, true], // All Saints' Day 2026
    ['2025-03-08', false, false], // an ordinary Saturday
    ['2025-03-04', false, false], // an ordinary Tuesday
  ])('answers for %s: holiday in law %s, priced as holiday %s', (date, inLaw, priced) => {
    expect(isPublicHoliday(date)).toBe(inLaw);
    expect(isPricingHoliday(date)).toBe(priced);
  });

  it('does not price an eve as a holiday when the configuration leaves it out', () => {
    expect(isPricingHoliday('2025-12-24', ['midsummer-eve'])).toBe(false);
    expect(isPricingHoliday('2025-06-20', ['midsummer-eve'])).toBe(true);
  });

  it.each([
    ['2025-04-17', true], // Maundy Thursday, before Good Friday
    ['2025-04-30', true], // before May Day
    ['2025-06-19', true], // Thursday before Midsummer Eve
    ['2025-12-23', true], // before Christmas Eve
    ['2025-03-08', true], // a Saturday, before Sunday
    ['2025-03-04', false],
    ['2025-03-06', false],
  ])('says whether the evening of %s is the evening before a holiday (%s)', (date, expected) => {
    expect(isEveningBeforeHoliday(date)).toBe(expected);
  });

  it('refuses years outside 1900–2199 with DOMAIN.YEAR_OUT_OF_RANGE', () => {
    expect(() => easterSunday(1899)).toThrow(expect.objectContaining({ code: 'DOMAIN.YEAR_OUT_OF_RANGE' }));
    expect(() => swedishHolidays(2200)).toThrow(expect.objectContaining({ code: 'DOMAIN.YEAR_OUT_OF_RANGE' }));
  });
});
