/**
 * What the stage holds, dataset by dataset: the staged bars' columns (derived from the transform's Arrow schema)
 * and, for the daily datasets, their staging columns, lake columns and partitions.
 */
import {
  BIGINT,
  DATE,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBType,
  TIMESTAMPTZ,
  VARCHAR,
} from '@duckdb/node-api';
import { DataType } from 'apache-arrow';
import type { IsoDate } from '../core/time.ts';
import type { FmpDividend, FmpEodBar, FmpSplit } from '../extract/fmp-types.ts';
import type { Dataset } from '../load/etl-ledger.ts';
import { BAR_BATCH_SCHEMA } from '../transform/bar-batch-schema.ts';

/** DuckDB's type for each Arrow type of BAR_BATCH_SCHEMA. */
function duckDbTypeOf(type: DataType): DuckDBType {
  if (DataType.isDictionary(type) || DataType.isUtf8(type)) return VARCHAR;
  if (DataType.isTimestamp(type)) return TIMESTAMPTZ;
  if (DataType.isDate(type)) return DATE;
  if (DataType.isFloat(type)) return DOUBLE;
  if (DataType.isInt(type) && type.bitWidth === 64) return BIGINT;
  throw new Error(`no DuckDB type for the Arrow type ${type}`);
}

/** The staged bars' columns: the transform's Arrow schema, field for field (the one declaration of a bar). */
export const STAGED_BAR_COLUMNS: readonly (readonly [string, DuckDBType])[] = BAR_BATCH_SCHEMA.fields.map(
  (f) => [f.name, duckDbTypeOf(f.type)] as const,
);

export type DailyDataset = Exclude<Dataset, 'bars'>;

export interface DailySpec {
  dataset: DailyDataset;
  /** Staging columns; dates travel as VARCHAR and are cast in `typed`. */
  staging: string;
  /** The lake columns, in LAKE_SOURCES order, from the staging rows. */
  typed: string;
  /** Partitions a window's dates fall in. */
  partitionsOf(from: IsoDate, to: IsoDate): string[];
  /** SQL condition on a typed row's `date` for a partition. */
  inPartition(partition: string): string;
}

function yearsOf(from: IsoDate, to: IsoDate): string[] {
  const years: string[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) years.push(`year=${y}`);
  return years;
}

export const DAILY: Record<DailyDataset, DailySpec> = {
  eod_bars: {
    dataset: 'eod_bars',
    staging:
      'symbol varchar, date varchar, open double, high double, low double, close double, volume double, vwap double, load_id bigint',
    typed:
      'symbol, date::date as date, open, high, low, close, round(volume)::bigint as volume, vwap, load_id',
    partitionsOf: yearsOf,
    inPartition: (p) => `year(date) = ${Number(p.slice('year='.length))}`,
  },
  splits: {
    dataset: 'splits',
    staging: 'symbol varchar, date varchar, numerator double, denominator double, load_id bigint',
    typed: 'symbol, date::date as date, numerator, denominator, load_id',
    partitionsOf: () => [''],
    inPartition: () => 'true',
  },
  dividends: {
    dataset: 'dividends',
    staging:
      'symbol varchar, date varchar, record_date varchar, payment_date varchar, declaration_date varchar, dividend double, adj_dividend double, frequency varchar, load_id bigint',
    typed:
      'symbol, date::date as date, record_date::date as record_date, payment_date::date as payment_date, declaration_date::date as declaration_date, dividend, adj_dividend, frequency, load_id',
    partitionsOf: () => [''],
    inPartition: () => 'true',
  },
};

/** `YYYY-MM` of every month from `from` to `to` (New York dates). */
export function monthsOf(from: IsoDate, to: IsoDate): string[] {
  const months: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    months.push(month);
    if (month >= last) return months;
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
}

/** Appends EOD bars as `pending_eod_bars` rows (DAILY.eod_bars.staging). */
export function appendEodRows(a: DuckDBAppender, bars: readonly FmpEodBar[], loadId: number): void {
  for (const b of bars) {
    a.appendVarchar(b.symbol);
    a.appendVarchar(b.date);
    a.appendDouble(b.open);
    a.appendDouble(b.high);
    a.appendDouble(b.low);
    a.appendDouble(b.close);
    a.appendDouble(b.volume);
    if (b.vwap === undefined) a.appendNull();
    else a.appendDouble(b.vwap);
    a.appendBigInt(BigInt(loadId));
    a.endRow();
  }
}

/** Appends splits as `pending_splits` rows. */
export function appendSplitRows(a: DuckDBAppender, splits: readonly FmpSplit[], loadId: number): void {
  for (const s of splits) {
    a.appendVarchar(s.symbol);
    a.appendVarchar(s.date);
    a.appendDouble(s.numerator);
    a.appendDouble(s.denominator);
    a.appendBigInt(BigInt(loadId));
    a.endRow();
  }
}

/** Appends dividends as `pending_dividends` rows. */
export function appendDividendRows(
  a: DuckDBAppender,
  dividends: readonly FmpDividend[],
  loadId: number,
): void {
  const optional = (v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
  for (const d of dividends) {
    a.appendVarchar(d.symbol);
    a.appendVarchar(d.date);
    optional(d.recordDate || null);
    optional(d.paymentDate || null);
    optional(d.declarationDate || null);
    a.appendDouble(d.dividend);
    a.appendDouble(d.adjDividend);
    optional(d.frequency);
    a.appendBigInt(BigInt(loadId));
    a.endRow();
  }
}
