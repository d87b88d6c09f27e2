import { describe, expect, it } from 'vitest';
import { formatDuration, formatInt } from './human-numbers.ts';

describe('human numbers', () => {
  it('formats durations', () => {
    expect([formatDuration(42), formatDuration(185), formatDuration(7800)]).toEqual([
      '42s',
      '3m05s',
      '2h10m',
    ]);
  });

  it('formats counts with thousands separators', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
  });
});
