/**
 * zod schemas of FMP's `/stable` bodies (docs/fmp.md#bodies). They are the definition of "valid": the intraday byte
 * parser is tested to accept and reject exactly what `intradayBodySchema` does.
 */
import * as z from 'zod';
import type {
  FmpDividend,
  FmpEodBar,
  FmpHoliday,
  FmpIntradayColumns,
  FmpMarketHours,
  FmpQuote,
  FmpSplit,
  FmpStockListEntry,
} from './fmp-types.ts';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Wall-clock ms (fields read as UTC) of a calendar-valid date and time, or NaN when a field is out of range
 * (month 13, February 30, hour 24 …). Shared by the zod schema and the byte parser so both judge alike.
 */
export function wallMsOfFields(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]! || h > 23 || mi > 59 || s > 59)
    return Number.NaN;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return Number.NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

const FMP_DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `"YYYY-MM-DD HH:MM:SS"` (New York wall clock) → wall ms, or NaN. */
export function wallMsOfFmpDateTime(text: string): number {
  const m = FMP_DATETIME.exec(text);
  if (!m) return Number.NaN;
  return wallMsOfFields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(wallMsOfFmpDateTime(`${s} 00:00:00`)), {
    message: 'expected a date YYYY-MM-DD',
  });
// why: FMP sends "" for unknown dividend dates; callers get null.
const optionalIsoDate = z.preprocess((v) => (v === '' || v === undefined ? null : v), isoDate.nullable());

/** One intraday bar as FMP sends it; extra keys are ignored, as FMP adds fields over time. */
export const intradayBarSchema = z.object({
  date: z.string().refine((s) => !Number.isNaN(wallMsOfFmpDateTime(s)), {
    message: 'expected "YYYY-MM-DD HH:MM:SS"',
  }),
  open: z.number(),
  low: z.number(),
  high: z.number(),
  close: z.number(),
  volume: z.number(),
});
export const intradayBodySchema = z.array(intradayBarSchema);

/** Columns of `length` bars, every value 0, for a parser or a fixture to fill. */
export function zeroIntradayColumns(length: number): FmpIntradayColumns {
  return {
    length,
    wallMs: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/** Intraday rows (already validated) → columns, in the body's order. */
export function intradayRowsToColumns(rows: z.infer<typeof intradayBodySchema>): FmpIntradayColumns {
  const n = rows.length;
  const columns = zeroIntradayColumns(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    columns.wallMs[i] = wallMsOfFmpDateTime(row.date);
    columns.open[i] = row.open;
    columns.high[i] = row.high;
    columns.low[i] = row.low;
    columns.close[i] = row.close;
    columns.volume[i] = row.volume;
  }
  return columns;
}

export const eodFullBodySchema = z.array(
  z
    .object({
      symbol: z.string(),
      date: isoDate,
      open: z.number(),
      high: z.number(),
      low: z.number(),
      close: z.number(),
      volume: z.number(),
      vwap: z.number().nullish(),
    })
    .transform((r): FmpEodBar => {
      const bar: FmpEodBar = {
        symbol: r.symbol,
        date: r.date,
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
      };
      if (typeof r.vwap === 'number') bar.vwap = r.vwap;
      return bar;
    }),
);

/** `historical-price-eod/non-split-adjusted` (fields `adjOpen` …) mapped to the `full` names. */
export const eodNonSplitAdjustedBodySchema = z.array(
  z
    .object({
      symbol: z.string(),
      date: isoDate,
      adjOpen: z.number(),
      adjHigh: z.number(),
      adjLow: z.number(),
      adjClose: z.number(),
      volume: z.number(),
    })
    .transform(
      (r): FmpEodBar => ({
        symbol: r.symbol,
        date: r.date,
        open: r.adjOpen,
        high: r.adjHigh,
        low: r.adjLow,
        close: r.adjClose,
        volume: r.volume,
      }),
    ),
);

export const splitsBodySchema = z.array(
  z
    .object({
      symbol: z.string(),
      date: isoDate,
      numerator: z.number().positive(),
      denominator: z.number().positive(),
    })
    .transform(
      (r): FmpSplit => ({
        symbol: r.symbol,
        date: r.date,
        numerator: r.numerator,
        denominator: r.denominator,
      }),
    ),
);

export const dividendsBodySchema = z.array(
  z
    .object({
      symbol: z.string(),
      date: isoDate,
      recordDate: optionalIsoDate,
      paymentDate: optionalIsoDate,
      declarationDate: optionalIsoDate,
      dividend: z.number(),
      adjDividend: z.number(),
      frequency: z.string().nullish(),
    })
    .transform(
      (r): FmpDividend => ({
        symbol: r.symbol,
        date: r.date,
        recordDate: r.recordDate,
        paymentDate: r.paymentDate,
        declarationDate: r.declarationDate,
        dividend: r.dividend,
        adjDividend: r.adjDividend,
        frequency: r.frequency ?? null,
      }),
    ),
);

export const quoteBodySchema = z.array(
  z
    .looseObject({
      symbol: z.string(),
      price: z.number(),
      volume: z.number(),
      timestamp: z.number(),
    })
    .transform((r): FmpQuote => r),
);

export const marketHoursBodySchema = z.array(
  z
    .object({
      exchange: z.string(),
      name: z.string().nullish(),
      openingHour: z.string(),
      closingHour: z.string(),
      timezone: z.string(),
      isMarketOpen: z.boolean(),
    })
    .transform(
      (r): FmpMarketHours => ({
        exchange: r.exchange,
        name: r.name ?? null,
        openingHour: r.openingHour,
        closingHour: r.closingHour,
        timezone: r.timezone,
        isMarketOpen: r.isMarketOpen,
      }),
    ),
);

export const holidaysBodySchema = z.array(
  z
    .object({
      exchange: z.string(),
      date: isoDate,
      name: z.string(),
      isClosed: z.boolean().nullish(),
      adjOpenTime: z.string().nullish(),
      adjCloseTime: z.string().nullish(),
    })
    .transform(
      (r): FmpHoliday => ({
        exchange: r.exchange,
        date: r.date,
        name: r.name,
        isClosed: r.isClosed ?? null,
        adjOpenTime: r.adjOpenTime ?? null,
        adjCloseTime: r.adjCloseTime ?? null,
      }),
    ),
);

export const stockListBodySchema = z.array(
  z
    .object({ symbol: z.string(), companyName: z.string().nullish() })
    .transform((r): FmpStockListEntry => ({ symbol: r.symbol, companyName: r.companyName ?? null })),
);

/** An object body carrying FMP's error text (any status). */
export const errorBodySchema = z.looseObject({ 'Error Message': z.string() });
