/**
 * The one fixed Arrow schema every intraday bar batch uses (transform → load), and zero-copy accessors for it.
 * why: one shared type instance per field, so batches from different windows combine into one Table
 * (apache-arrow refuses to combine batches whose dictionaries were built from separately created types).
 */
import {
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';

const symbolType = new Dictionary(new Utf8(), new Int32(), 0);
const intervalType = new Dictionary(new Utf8(), new Int32(), 1);
const instantType = new TimestampMicrosecond('UTC');
const dateType = new DateDay();
const priceType = new Float64();
const countType = new Int64();

/**
 * Columns: symbol, interval (dictionary strings), bar_start_at / bar_end_at (UTC µs), session_date (New York,
 * days since 1970-01-01), open, high, low, close (Float64), volume (Int64 shares), load_id (Int64).
 */
export const BAR_BATCH_SCHEMA = new Schema([
  new Field('symbol', symbolType, false),
  new Field('interval', intervalType, false),
  new Field('bar_start_at', instantType, false),
  new Field('bar_end_at', instantType, false),
  new Field('session_date', dateType, false),
  new Field('open', priceType, false),
  new Field('high', priceType, false),
  new Field('low', priceType, false),
  new Field('close', priceType, false),
  new Field('volume', countType, false),
  new Field('load_id', countType, false),
]);

export type BarBatch = RecordBatch;

/** The typed arrays behind a bar batch, in ascending bar_start_at order. */
export interface BarColumns {
  length: number;
  symbol: string;
  interval: string;
  /** UTC epoch µs. */
  barStartAt: BigInt64Array;
  /** UTC epoch µs. */
  barEndAt: BigInt64Array;
  /** New York session date, days since 1970-01-01. */
  sessionDate: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Shares. */
  volume: BigInt64Array;
  loadId: BigInt64Array;
}

/**
 * The one-value dictionary of each symbol and interval seen, reused by every batch of that value. why: building it
 * through Arrow's builder cost ~60 µs a batch, twice per window (~0.14 s of the main thread in `bench load`).
 * Bounded by the symbols and intervals a process loads.
 */
const dictionaries = new Map<string, Vector<Utf8>>();
const dictionaryOf = (value: string) => {
  let dictionary = dictionaries.get(value);
  if (!dictionary) {
    dictionary = vectorFromArray([value], new Utf8());
    dictionaries.set(value, dictionary);
  }
  return dictionary;
};
const structType = new Struct(BAR_BATCH_SCHEMA.fields);
/**
 * Zeros that every batch's dictionary indices view (each row's symbol and interval is the dictionary's one value):
 * one array, grown when a batch is longer, instead of two fresh ones a batch. Never written, never transferred
 * (barColumnsOf hands out the value columns only).
 */
let zeros = new Int32Array(0);
const zeroIndices = (n: number) => {
  if (zeros.length < n) zeros = new Int32Array(Math.max(n, 2 * zeros.length));
  return zeros.subarray(0, n);
};

/** Wraps typed arrays into a RecordBatch of BAR_BATCH_SCHEMA without copying them. */
export function makeBarBatch(c: BarColumns): BarBatch {
  const n = c.length;
  const constantDictionary = (type: Dictionary, value: string) =>
    makeData({
      type,
      length: n,
      nullCount: 0,
      data: zeroIndices(n),
      dictionary: dictionaryOf(value),
    });
  const plain = <T extends Float64 | Int64 | TimestampMicrosecond | DateDay>(type: T, data: T['TArray']) =>
    makeData({ type, length: n, nullCount: 0, data } as never);
  const children = [
    constantDictionary(symbolType, c.symbol),
    constantDictionary(intervalType, c.interval),
    plain(instantType, c.barStartAt),
    plain(instantType, c.barEndAt),
    plain(dateType, c.sessionDate),
    plain(priceType, c.open),
    plain(priceType, c.high),
    plain(priceType, c.low),
    plain(priceType, c.close),
    plain(countType, c.volume),
    plain(countType, c.loadId),
  ];
  const data = makeData({
    type: structType,
    length: n,
    nullCount: 0,
    children,
  });
  return new RecordBatch(BAR_BATCH_SCHEMA, data);
}

/** The typed arrays of a bar batch (zero-copy views of its buffers). */
export function barColumnsOf(batch: BarBatch): BarColumns {
  const values = <T>(name: string): T => {
    const child = batch.getChild(name);
    if (child?.data.length !== 1) throw new Error(`bar batch: column ${name} missing or chunked`);
    return child.data[0]!.values as T;
  };
  const dictionaryValue = (name: string): string => {
    const child = batch.getChild(name);
    return batch.numRows === 0 ? '' : String(child?.get(0) ?? '');
  };
  return {
    length: batch.numRows,
    symbol: dictionaryValue('symbol'),
    interval: dictionaryValue('interval'),
    barStartAt: values<BigInt64Array>('bar_start_at'),
    barEndAt: values<BigInt64Array>('bar_end_at'),
    sessionDate: values<Int32Array>('session_date'),
    open: values<Float64Array>('open'),
    high: values<Float64Array>('high'),
    low: values<Float64Array>('low'),
    close: values<Float64Array>('close'),
    volume: values<BigInt64Array>('volume'),
    loadId: values<BigInt64Array>('load_id'),
  };
}
