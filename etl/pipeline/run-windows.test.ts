import { describe, expect, it } from 'vitest';
import { ManualClock } from '../extract/manual-clock.ts';
import type { PlannedWindow } from './plan.ts';
import { type FetchOutcome, runWindows, type WindowEvent } from './run-windows.ts';

function windows(symbols: string[], perSymbol: number): PlannedWindow[] {
  return symbols.flatMap((symbol) =>
    Array.from({ length: perSymbol }, (_, i) => ({
      dataset: 'bars' as const,
      symbol,
      interval: '1min' as const,
      from: `2024-03-0${i + 1}`,
      to: `2024-03-0${i + 1}`,
      sessions: 1,
      retry: false,
    })),
  );
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

class Gone extends Error {}
class NotOnPlan extends Error {}
class Fatal extends Error {}

describe('runWindows', () => {
  it('loads every window once and never buffers more than allowed', async () => {
    let inFlight = 0;
    let buffered = 0;
    let maxBuffered = 0;
    let maxInFlight = 0;
    const loaded: string[] = [];
    const result = await runWindows<string>({
      windows: windows(['A', 'B', 'C', 'D'], 5),
      fetch: async (w) => {
        inFlight++;
        buffered++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        maxBuffered = Math.max(maxBuffered, buffered);
        await tick();
        inFlight--;
        return { load: [{ window: w, payload: `${w.symbol}${w.from}` }] };
      },
      load: async (items) => {
        // why: a slow loader is what makes the buffer fill up.
        for (let i = 0; i < 3; i++) await tick();
        buffered -= items.length;
        loaded.push(...items.map((x) => x.payload));
        return items.map(() => 10);
      },
      recordFailure: async () => {},
      classify: () => 'fail-window',
      maxInFlight: 3,
      maxBuffered: 5,
      maxPerLoad: 2,
    });
    expect(result.failed).toEqual([]);
    expect(loaded.sort()).toEqual(
      windows(['A', 'B', 'C', 'D'], 5)
        .map((w) => `${w.symbol}${w.from}`)
        .sort(),
    );
    expect(maxInFlight).toBe(3);
    expect(maxBuffered).toBeLessThanOrEqual(5);
  });

  it('waits for minPerLoad windows per load while more can arrive, and loads the rest at the end', async () => {
    const sizes: number[] = [];
    await runWindows<number>({
      windows: windows(['A', 'B', 'C'], 5),
      fetch: async (w) => {
        await tick();
        return { load: [{ window: w, payload: 1 }] };
      },
      load: async (items) => {
        sizes.push(items.length);
        await tick();
        return items.map(() => 1);
      },
      recordFailure: async () => {},
      classify: () => 'fail-window',
      maxInFlight: 2,
      maxBuffered: 8,
      maxPerLoad: 6,
      minPerLoad: 4,
    });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(15);
    expect(sizes.slice(0, -1).every((n) => n >= 4 && n <= 6)).toBe(true);
    expect(sizes.length).toBeLessThanOrEqual(4);
  });

  it('loads a partial batch once its oldest window has waited maxFillWaitMs', async () => {
    // why: a manual clock, so "waited 50 ms" is a fact of the test, not of how busy the machine is.
    const clock = new ManualClock();
    const start = clock.now();
    const loads: Array<{ size: number; at: number }> = [];
    const run = runWindows<number>({
      windows: windows(['A'], 3),
      fetch: async (w) => {
        // why: the third window arrives long after the first two, as under a tight rate limit.
        if (w.from === '2024-03-03') await clock.sleep(400);
        return { load: [{ window: w, payload: 1 }] };
      },
      load: async (items) => {
        loads.push({ size: items.length, at: clock.now() - start });
        return items.map(() => 1);
      },
      recordFailure: async () => {},
      classify: () => 'fail-window',
      maxInFlight: 3,
      maxBuffered: 8,
      maxPerLoad: 5,
      minPerLoad: 5,
      maxFillWaitMs: 50,
      clock,
    });
    await clock.advance(49);
    expect(loads).toEqual([]);
    await clock.advance(1);
    expect(loads).toEqual([{ size: 2, at: 50 }]);
    await clock.advance(350);
    await run;
    expect(loads).toEqual([
      { size: 2, at: 50 },
      { size: 1, at: 400 },
    ]);
  });

  it('rejects a minPerLoad the buffer cannot hold', async () => {
    await expect(
      runWindows<number>({
        windows: windows(['A'], 2),
        fetch: async (w) => ({ load: [{ window: w, payload: 1 }] }),
        load: async (items) => items.map(() => 1),
        recordFailure: async () => {},
        classify: () => 'fail-window',
        maxInFlight: 4,
        maxBuffered: 8,
        maxPerLoad: 8,
        minPerLoad: 6,
      }),
    ).rejects.toThrow(/minPerLoad 6 exceeds maxBuffered 8/);
  });

  it('fetches the rest of a split window before other windows', async () => {
    const order: string[] = [];
    const events: WindowEvent[] = [];
    await runWindows<number>({
      windows: windows(['A', 'B'], 1).map((w) => ({ ...w, from: '2024-03-04', to: '2024-03-08' })),
      fetch: async (w): Promise<FetchOutcome<number>> => {
        order.push(`${w.symbol} ${w.from}..${w.to}`);
        if (w.symbol === 'A' && w.from === '2024-03-04' && w.to === '2024-03-08') {
          return {
            load: [{ window: { ...w, from: '2024-03-07' }, payload: 1 }],
            requeue: [{ ...w, to: '2024-03-06' }],
          };
        }
        return { load: [{ window: w, payload: 1 }] };
      },
      load: async (items) => items.map(() => 1),
      recordFailure: async () => {},
      classify: () => 'fail-window',
      maxInFlight: 1,
      maxBuffered: 4,
      onEvent: (e) => events.push(e),
    });
    expect(order).toEqual([
      'A 2024-03-04..2024-03-08',
      'A 2024-03-04..2024-03-06',
      'B 2024-03-04..2024-03-08',
    ]);
    expect(
      events.filter((e) => e.kind === 'loaded').map((e) => `${e.window.symbol} ${e.window.from}`),
    ).toEqual(['A 2024-03-07', 'A 2024-03-04', 'B 2024-03-04']);
  });

  it('records failed windows, skips a gated symbol and keeps going', async () => {
    const recorded: string[] = [];
    const events: WindowEvent[] = [];
    const result = await runWindows<number>({
      windows: windows(['A', 'B', 'C'], 3),
      fetch: async (w) => {
        if (w.symbol === 'A' && w.from === '2024-03-02') throw new Gone('retries exhausted');
        if (w.symbol === 'B') throw new NotOnPlan('symbol gate');
        return { load: [{ window: w, payload: 1 }] };
      },
      load: async (items) => items.map((x) => (x.window.symbol === 'C' ? 0 : 5)),
      recordFailure: async (w) => {
        recorded.push(`${w.symbol} ${w.from}`);
      },
      classify: (e) => (e instanceof NotOnPlan ? 'skip-symbol' : 'fail-window'),
      maxInFlight: 1,
      maxBuffered: 2,
      onEvent: (e) => events.push(e),
    });
    expect(recorded).toEqual(['A 2024-03-02', 'B 2024-03-01']);
    expect(result.failed.map((f) => f.window.symbol)).toEqual(['A', 'B']);
    expect(
      events.filter((e) => e.kind === 'skipped').map((e) => `${e.window.symbol} ${e.window.from}`),
    ).toEqual(['B 2024-03-02', 'B 2024-03-03']);
    expect(events.filter((e) => e.kind === 'empty')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'loaded')).toHaveLength(2);
  });

  it('stops on a fatal error, keeps what was fetched and aborts the rest', async () => {
    const fatal = new Fatal('bad key');
    let loadedCount = 0;
    let started = 0;
    const result = await runWindows<number>({
      windows: windows(['A', 'B', 'C', 'D'], 5),
      fetch: async (w, signal) => {
        started++;
        if (w.symbol === 'B') throw fatal;
        await tick();
        signal.throwIfAborted();
        return { load: [{ window: w, payload: 1 }] };
      },
      load: async (items) => {
        loadedCount += items.length;
        return items.map(() => 1);
      },
      recordFailure: async () => {},
      classify: (e) => (e instanceof Fatal ? 'stop' : 'fail-window'),
      maxInFlight: 2,
      maxBuffered: 4,
    });
    expect(result.stoppedBy).toBe(fatal);
    expect(started).toBeLessThan(20);
    expect(loadedCount).toBeGreaterThanOrEqual(4);
    expect(loadedCount).toBeLessThan(20);
  });

  it('surfaces a loader error', async () => {
    await expect(
      runWindows<number>({
        windows: windows(['A'], 3),
        fetch: async (w) => ({ load: [{ window: w, payload: 1 }] }),
        load: async () => {
          throw new Error('disk full');
        },
        recordFailure: async () => {},
        classify: () => 'fail-window',
        maxInFlight: 2,
        maxBuffered: 4,
      }),
    ).rejects.toThrow('disk full');
  });
});
