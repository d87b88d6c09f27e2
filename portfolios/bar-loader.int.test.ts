import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_MINUTE, nyDateTimeToUtcMs } from '../etl/core/time.ts';
import { loadBarColumns, loadBenchmarkSessions } from './bar-loader.ts';
import { createBarsTable, minuteBars } from './bars-fixture.ts';

describe('loading bars from the bars mart', () => {
  let instance: DuckDBInstance;
  let connection: Awaited<ReturnType<DuckDBInstance['connect']>>;
  const open = nyDateTimeToUtcMs('2024-03-11', 9, 30);
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    const premarket = {
      ...minuteBars('BBB', '2024-03-11', [1], [1])[0]!,
      startAt: open - MS_PER_MINUTE,
      endAt: open,
    };
    await createBarsTable(connection, [
      ...minuteBars('BBB', '2024-03-11', [20, 21], [20.5, 21.5]),
      ...minuteBars('AAA', '2024-03-11', [10, 11, 12], [10.5, 11.5, 12.5]),
      ...minuteBars('AAA', '2024-03-12', [13], [13.5]),
      premarket,
    ]);
    // a 2:1 split after the 11th: the mart's adjusted prices are half the raw ones before it
    await connection.run(
      `update bars set adj_open = open / 2, adj_high = high / 2, adj_low = low / 2, adj_close = close / 2 where symbol = 'AAA' and session_date = DATE '2024-03-11'`,
    );
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('loads split-adjusted regular-session bars in bar-close order, laid out per symbol', async () => {
    const c = await loadBarColumns(connection, {
      symbols: ['BBB', 'AAA', 'ZZZ'],
      interval: '1min',
      from: '2024-03-11',
      to: '2024-03-12',
    });
    expect(c.symbols).toEqual(['AAA', 'BBB', 'ZZZ']);
    expect([...c.symbolStart]).toEqual([0, 4, 6, 6]);
    expect([...c.close]).toEqual([5.25, 5.75, 6.25, 13.5, 20.5, 21.5]);
    expect([...c.eventSymbol]).toEqual([0, 1, 0, 1, 0, 0]);
    expect([...c.eventRow]).toEqual([0, 4, 1, 5, 2, 3]);
    expect(c.startAt[0]).toBe(open);
    expect(c.endAt[0]).toBe(open + MS_PER_MINUTE);
    expect(c.sessionDay[3]! - c.sessionDay[0]!).toBe(1);
  });

  it('keeps extended-hours bars when asked, and stops at endedBy', async () => {
    const all = await loadBarColumns(connection, {
      symbols: ['BBB'],
      interval: '1min',
      from: '2024-03-11',
      to: '2024-03-11',
      regularSessionOnly: false,
    });
    expect([...all.close]).toEqual([1, 20.5, 21.5]);
    const early = await loadBarColumns(connection, {
      symbols: ['AAA', 'BBB'],
      interval: '1min',
      from: '2024-03-11',
      to: '2024-03-12',
      endedBy: open + 2 * MS_PER_MINUTE,
    });
    expect(early.eventRow).toHaveLength(4);
  });

  it('gives the benchmark first open and last close per session', async () => {
    expect(await loadBenchmarkSessions(connection, 'AAA', '1min', '2024-03-11', '2024-03-12')).toEqual([
      { sessionDate: '2024-03-11', open: 5, close: 6.25 },
      { sessionDate: '2024-03-12', open: 13, close: 13.5 },
    ]);
  });
});
