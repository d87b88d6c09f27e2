/**
 * A bar is declared once, as the transform's Arrow schema (BAR_BATCH_SCHEMA). Everything else derives from it or
 * is checked against it here: the staged rows the writer flushes, the lake's file columns (LAKE_SOURCES), the
 * staging view the marts read, and the raw columns of the `bars` mart. A drift in any of them fails this test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { BAR_BATCH_SCHEMA } from '../transform/bar-batch-schema.ts';
import { fixtureIntradayColumns } from '../transform/testing/intraday-fixture.ts';
import { transformIntraday } from '../transform/transform-intraday.ts';
import { lakeSource } from './lake-sources.ts';
import { STAGED_BAR_COLUMNS } from './stage-datasets.ts';
import { openWarehouseReader } from './warehouse-reader.ts';
import { openWarehouseWriter } from './warehouse-writer.ts';

const BATCH_FIELDS = BAR_BATCH_SCHEMA.fields.map((f) => f.name);
/** DuckDB's names of the staged types, as `describe` prints them. */
const STAGED = Object.fromEntries(STAGED_BAR_COLUMNS.map(([name, type]) => [name, type.toString()]));

/** DuckDB's spelling of a type alias (LAKE_SOURCES writes TIMESTAMPTZ). */
const canonical = (type: string) => (type === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : type);

let empty: string;
let loaded: string;
beforeAll(async () => {
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-schema-'));
  loaded = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-schema-'));
  const writer = await openWarehouseWriter({ warehouseDir: loaded, log: silentLogger(), clock: systemClock });
  try {
    const window = { symbol: 'AAPL', interval: '5min' as const, from: '2024-03-04', to: '2024-03-04' };
    const batch = transformIntraday(window, fixtureIntradayColumns('AAPL', '5min', window.from, window.to), {
      loadId: 1,
    });
    await writer.commitIntraday([batch], 1);
    await writer.publish();
  } finally {
    writer.close();
  }
});
afterAll(() => {
  for (const d of [empty, loaded]) fs.rmSync(d, { recursive: true, force: true });
});

async function describeView(dir: string, view: string): Promise<Record<string, string>> {
  const reader = await openWarehouseReader(dir);
  try {
    const rows = (await reader.query(`describe ${view}`)).getRowObjectsJS();
    return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
  } finally {
    reader.close();
  }
}

describe('the bars schema, declared once', () => {
  it('stages rows with the fields of the Arrow schema, in order', () => {
    expect(STAGED_BAR_COLUMNS.map(([name]) => name)).toEqual(BATCH_FIELDS);
  });

  it('stores in the lake the staged columns, bar_end_at as bar_seconds and interval in the path', () => {
    const source = lakeSource('bars');
    const stored = BATCH_FIELDS.filter((f) => f !== 'interval').map((f) =>
      f === 'bar_end_at' ? 'bar_seconds' : f,
    );
    expect(source.columns.map(([name]) => name)).toEqual(stored);
    expect(source.hiveColumns).toEqual(['interval', 'month']);
    for (const [name, type] of source.columns)
      if (name !== 'bar_seconds') expect(`${name} ${canonical(type)}`).toBe(`${name} ${STAGED[name]}`);
  });

  it('gives the staging view the staged columns and types, on an empty lake and over real files', async () => {
    for (const dir of [empty, loaded]) {
      const view = await describeView(dir, 'stg_lake__bars');
      expect(Object.keys(view)).toEqual(BATCH_FIELDS);
      expect(view).toEqual(STAGED);
    }
  });

  it('keeps the raw columns at the front of the bars mart', async () => {
    const mart = await describeView(loaded, 'bars');
    const raw = BATCH_FIELDS.filter((f) => f !== 'load_id');
    expect(Object.keys(mart).slice(0, raw.length)).toEqual(raw);
    for (const f of raw) expect(mart[f]).toBe(STAGED[f]);
  });
});
