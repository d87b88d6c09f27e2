import { describe, expect, it } from 'vitest';
import { retryOnPublishRace } from './warehouse-reader.ts';

describe('retryOnPublishRace', () => {
  it('runs the work again after an error of a query that raced a publish, and returns its result', async () => {
    let calls = 0;
    const result = await retryOnPublishRace(async () => {
      calls++;
      if (calls === 1) throw new Error('TProtocolException: Invalid data');
      if (calls === 2) throw new Error('Invalid Error: Parquet file is likely corrupted, missing dictionary');
      return 'rows';
    });
    expect(result).toBe('rows');
    expect(calls).toBe(3);
  });

  it('counts any IO or Invalid error about a Parquet file as a race', async () => {
    let calls = 0;
    const result = await retryOnPublishRace(async () => {
      calls++;
      if (calls === 1)
        throw new Error('IO Error: a wording not seen yet while reading /lake/bars/data_0.parquet');
      return calls;
    });
    expect(result).toBe(2);
  });

  it('passes other errors through at once', async () => {
    let calls = 0;
    await expect(
      retryOnPublishRace(async () => {
        calls++;
        throw new Error('Binder Error: column "nope" not found in read_parquet(/lake/bars/*.parquet)');
      }),
    ).rejects.toThrow(/nope/);
    expect(calls).toBe(1);
  });

  it('gives up after five attempts with the last error', async () => {
    let calls = 0;
    await expect(
      retryOnPublishRace(async () => {
        calls++;
        throw new Error(`IO Error: No such file or directory (attempt ${calls})`);
      }),
    ).rejects.toThrow(/attempt 5/);
    expect(calls).toBe(5);
  });
});
