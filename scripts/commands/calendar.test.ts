import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const mqs = path.resolve(import.meta.dirname, '..', 'mqs.mjs');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [mqs, 'calendar', ...args], {
    encoding: 'utf8',
    env: { ...process.env, FMP_API_KEY: '' },
  });

interface YearJson {
  year: number;
  source: string;
  published_through: number;
  holidays: Array<{ date: string; name: string }>;
  early_closes: Array<{ date: string; name: string; close: string }>;
}

describe('mqs calendar over 1990–2099', () => {
  it('answers --year 1998 --json with the rules of that year (MLK Day from 1998 on, a 13:00 Christmas Eve)', () => {
    const r = run('--year', '1998', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as YearJson;
    expect(out.year).toBe(1998);
    expect(out.source).toBe('published');
    expect(out.holidays.map((h) => h.date)).toContain('1998-01-19');
    expect(out.holidays).toHaveLength(9);
    expect(out.early_closes).toEqual([
      { date: '1998-11-27', name: 'Day after Thanksgiving', close: '13:00' },
      { date: '1998-12-24', name: 'Christmas Eve', close: '13:00' },
    ]);
  });

  it('answers --year 2014 (exit 1 before) and marks years past the published ones as computed by the rules', () => {
    const y2014 = run('--year', '2014');
    expect(y2014.status).toBe(0);
    expect(y2014.stdout).toContain('Source: published');
    expect(y2014.stdout).toContain('2014-12-25  Christmas Day');
    for (const year of ['2030', '2099']) {
      const text = run('--year', year);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(
        /Source: rules \(computed; the exchange has published through \d{4} only\)/,
      );
      const json = JSON.parse(run('--year', year, '--json').stdout) as YearJson;
      expect(json.source).toBe('rules');
      expect(json.holidays.some((h) => h.name === 'Juneteenth National Independence Day')).toBe(true);
    }
  });

  it('exits 2 naming the input and the range for years and dates outside it', () => {
    for (const year of ['1989', '2100']) {
      const r = run('--year', year);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--year ${year} is outside the trading calendar (1990–2099)`);
    }
    const r = run('--from', '1989-12-01', '--to', '1990-01-05');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '--from 1989-12-01 is outside the trading calendar (1990-01-01 to 2099-12-31)',
    );
  });

  it('lists sessions of a range with their close and source', () => {
    const r = run('--from', '2001-09-07', '--to', '2001-09-17', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        date: '2001-09-07',
        open_at: '2001-09-07T13:30:00.000Z',
        close_at: '2001-09-07T20:00:00.000Z',
        early_close: false,
        source: 'published',
      },
      {
        date: '2001-09-10',
        open_at: '2001-09-10T13:30:00.000Z',
        close_at: '2001-09-10T20:00:00.000Z',
        early_close: false,
        source: 'published',
      },
      {
        date: '2001-09-17',
        open_at: '2001-09-17T13:30:00.000Z',
        close_at: '2001-09-17T20:00:00.000Z',
        early_close: false,
        source: 'published',
      },
    ]);
  });
});
