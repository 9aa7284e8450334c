import { describe, expect, it } from 'vitest';
import { ValidationError } from '../shared/errors.js';
import { startOfDay } from './stats.service.js';

const at = (iso: string) => new Date(iso);

describe('startOfDay', () => {
  it.each([
    ['UTC', '2026-11-21T20:30:00.000Z', '2026-11-21T00:00:00.000Z'],
    ['UTC', '2026-11-21T00:00:00.000Z', '2026-11-21T00:00:00.000Z'],
    ['UTC', '2026-11-21T23:59:59.999Z', '2026-11-21T00:00:00.000Z'],
    // Almaty is UTC+5 (since 2024): 20:30Z is already 01:30 of the next day there.
    ['Asia/Almaty', '2026-11-21T20:30:00.000Z', '2026-11-21T19:00:00.000Z'],
    ['Asia/Almaty', '2026-11-21T18:59:59.000Z', '2026-11-20T19:00:00.000Z'],
    ['Asia/Kathmandu', '2026-11-21T20:00:00.000Z', '2026-11-21T18:15:00.000Z'],
    ['America/Los_Angeles', '2026-11-21T05:00:00.000Z', '2026-11-20T08:00:00.000Z'],
    // DST starts at 02:00 (EST -5 → EDT -4): that day's midnight is still EST.
    ['America/New_York', '2026-03-08T15:00:00.000Z', '2026-03-08T05:00:00.000Z'],
    ['America/New_York', '2026-03-09T15:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    // DST ends at 02:00 (EDT → EST): that day's midnight is still EDT.
    ['America/New_York', '2026-11-01T20:00:00.000Z', '2026-11-01T04:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T12:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25T12:00:00.000Z', '2026-10-24T22:00:00.000Z'],
    // Chile skipped midnight: 00:00 -04 became 01:00 -03, so the day began at 04:00Z.
    ['America/Santiago', '2022-09-11T15:00:00.000Z', '2022-09-11T04:00:00.000Z'],
    ['America/Santiago', '2022-09-11T04:00:00.000Z', '2022-09-11T04:00:00.000Z'],
    ['America/Santiago', '2022-09-11T03:59:59.999Z', '2022-09-10T04:00:00.000Z'],
  ])('%s at %s begins the day at %s', (tz, now, expected) => {
    expect(startOfDay(at(now), tz).toISOString()).toBe(expected);
  });

  it('rejects an unknown time zone with a 400 naming tz', () => {
    for (const tz of ['Mars/Olympus', 'not a zone', 'Europe/']) {
      let caught: unknown;
      try {
        startOfDay(at('2026-11-21T00:00:00Z'), tz);
      } catch (err) {
        caught = err;
      }
      expect(caught, tz).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).details).toEqual([{ field: 'tz', message: expect.any(String) }]);
    }
  });
});
