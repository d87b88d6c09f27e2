import { describe, expect, it } from 'vitest';
import { intradayJson } from './intraday-json.ts';
import { simIntradayBars, simIntradayColumns } from './sim-intraday.ts';
import { simSessions } from './sim-sessions.ts';

const LATER = Date.UTC(2025, 0, 2);

describe('intradayJson', () => {
  it('writes exactly what JSON.stringify writes for the bars, newest first', () => {
    for (let i = 0; i < 12; i++) {
      const options = { nowMs: LATER, extended: i % 2 === 0, seed: i };
      const columns = simIntradayColumns(`J${i}`, '1min', '2024-12-23', '2024-12-27', options);
      const bars = simIntradayBars(`J${i}`, '1min', '2024-12-23', '2024-12-27', options);
      expect(intradayJson(columns).toString('utf8')).toBe(JSON.stringify(bars.reverse()));
    }
  });

  it('prints whole-cent prices as JavaScript does (41, 41.2, 41.05) and an empty window as []', () => {
    const columns = {
      length: 3,
      sessionIndex: new Uint16Array(3).fill(simSessions().indexOf('2015-01-02')),
      minute: new Uint16Array([570, 571, 572]),
      open: new Float64Array([41, 41.2, 41.05]),
      high: new Float64Array([1234567.89, 0.1, 0.01]),
      low: new Float64Array([0.5, 100, 7.7]),
      close: new Float64Array([9.99, 10, 10.1]),
      volume: new Float64Array([0, 7, 123456789012]),
    };
    expect(JSON.parse(intradayJson(columns).toString('utf8'))).toEqual([
      { date: '2015-01-02 09:32:00', open: 41.05, low: 7.7, high: 0.01, close: 10.1, volume: 123456789012 },
      { date: '2015-01-02 09:31:00', open: 41.2, low: 100, high: 0.1, close: 10, volume: 7 },
      { date: '2015-01-02 09:30:00', open: 41, low: 0.5, high: 1234567.89, close: 9.99, volume: 0 },
    ]);
    expect(intradayJson(columns).toString('utf8')).toContain('"open":41,"low":0.5,"high":1234567.89');
    expect(intradayJson({ ...columns, length: 0 }).toString('utf8')).toBe('[]');
  });
});
