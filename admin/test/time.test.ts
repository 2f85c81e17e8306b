import { describe, expect, it } from 'vitest';
import { fromLocalInput, toLocalInput } from '../src/util/time';

describe('date-times in a time zone', () => {
  it('reads and writes wall-clock time with the zone offset', () => {
    expect(fromLocalInput('2018-04-10T09:30', 'Africa/Casablanca')).toBe('2018-04-10T09:30:00+01:00');
    expect(fromLocalInput('2018-01-10T09:30:15', 'Europe/Paris')).toBe('2018-01-10T09:30:15+01:00');
    expect(fromLocalInput('2018-07-10T09:30', 'Europe/Paris')).toBe('2018-07-10T09:30:00+02:00');
    expect(toLocalInput('2018-04-10T08:30:00Z', 'Africa/Casablanca')).toBe('2018-04-10T09:30');
  });
});
