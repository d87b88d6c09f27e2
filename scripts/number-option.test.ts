import { describe, expect, it } from 'vitest';
import { UsageError } from '../etl/core/errors.ts';
import { parseNumberFlag } from './number-option.ts';

describe('parseNumberFlag', () => {
  it('accepts what the rule allows, from text or a number', () => {
    expect(parseNumberFlag('runs', '3', { integer: true, min: 0, what: 'a count of runs', example: 1 })).toBe(
      3,
    );
    expect(parseNumberFlag('lock-wait', 2.5, { min: 0, what: 'a number of seconds', example: 1 })).toBe(2.5);
  });

  it('refuses text, fractions, out-of-range and repeated values, naming the flag and the value', () => {
    const year = { integer: true, what: 'a year', example: 1 };
    const cases: [
      flag: string,
      raw: unknown,
      rule: Parameters<typeof parseNumberFlag>[2],
      message: RegExp,
    ][] = [
      [
        'runs',
        '-1',
        { integer: true, min: 0, what: 'a count of runs', example: 1 },
        /^--runs "-1" is not a count of runs: use a whole number ≥ 0/,
      ],
      [
        'sample',
        '-5',
        { integer: true, min: 0, what: 'a count of rows', example: 1 },
        /^--sample "-5" is not a count/,
      ],
      ['year', 'abc', year, /^--year "abc" is not a year: use a whole number/],
      ['year', '2024.5', year, /^--year "2024.5" is not a year/],
      [
        'concurrency',
        'abc',
        { integer: true, min: 1, max: 64, what: 'a count', example: 1 },
        /^--concurrency "abc" .* from 1 to 64/,
      ],
      [
        'lock-wait',
        '-5',
        { min: 0, what: 'a number of seconds', example: 1 },
        /^--lock-wait "-5" is not a number of seconds/,
      ],
      ['runs', '', { integer: true, min: 0, what: 'a count', example: 1 }, /^--runs "" is not/],
      ['runs', ['1', '2'], { integer: true, what: 'a count', example: 1 }, /^--runs is given 2 times/],
    ];
    for (const [flag, raw, rule, message] of cases) {
      let caught: unknown;
      try {
        parseNumberFlag(flag, raw, rule);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect([flag, (caught as Error).message]).toEqual([flag, expect.stringMatching(message)]);
    }
  });
});
