/**
 * `mqs etl` input: command-line arguments and the tickers file, validated into what the plan needs. Bad input is
 * a UsageError (exit 2) that names the input and the fix; nothing is fetched.
 */
import fs from 'node:fs';
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR, lastCompletedSession } from '../core/calendar.ts';
import { UsageError } from '../core/errors.ts';
import { type IntradayInterval, parseInterval } from '../core/intervals.ts';
import { parseTickersOrThrow, tryNormalizeSymbol } from '../core/symbols.ts';
import { type IsoDate, isIsoDate } from '../core/time.ts';
import { DATASETS } from '../load/etl-ledger.ts';
import { type Dataset, parseDatasets } from './plan.ts';

/** The command line as yargs hands it over. */
export interface EtlArgs {
  tickersFile?: string;
  tickers?: string[];
  interval?: string[];
  from?: string;
  to?: string;
  datasets?: string[];
  concurrency?: number;
  extended?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export interface EtlOptions {
  symbols: string[];
  intervals: IntradayInterval[];
  datasets: Dataset[];
  /** First New York date wanted; undefined: after each series' watermark. */
  from: IsoDate | undefined;
  /** Last New York date, inclusive; default the last completed session. */
  to: IsoDate;
  /** Requests in flight; undefined: the config's. */
  concurrency: number | undefined;
  extended: boolean;
  dryRun: boolean;
  json: boolean;
  /** Calendar days per intraday request, overriding the plan's defaults (benchmarks, tests). */
  windowDays?: Partial<Record<IntradayInterval, number>>;
}

const FIRST_DATE = `${CALENDAR_FIRST_YEAR}-01-01`;
const LAST_DATE = `${CALENDAR_LAST_YEAR}-12-31`;

function checkDate(name: string, value: string): IsoDate {
  if (!isIsoDate(value))
    throw new UsageError(`${name} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD`);
  if (value < FIRST_DATE || value > LAST_DATE) {
    throw new UsageError(
      `${name} ${value} is outside the trading calendar (${FIRST_DATE} to ${LAST_DATE}): pick a date inside it`,
    );
  }
  return value;
}

/** Symbols from `--tickers-file` and `--tickers`, in that order, duplicates folded. */
export function readSymbols(args: Pick<EtlArgs, 'tickersFile' | 'tickers'>): string[] {
  const symbols: string[] = [];
  if (args.tickersFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(args.tickersFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--tickers-file ${args.tickersFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); give the path of a file with one symbol a line`,
        { cause: error },
      );
    }
    // why: a spread of a 150,000-line file into push() overflows the call stack.
    for (const symbol of parseTickersOrThrow(text, args.tickersFile)) symbols.push(symbol);
  }
  const typed = (args.tickers ?? []).flatMap((t) => String(t).split(',')).filter((t) => t.trim() !== '');
  const bad: string[] = [];
  for (const raw of typed) {
    const result = tryNormalizeSymbol(raw);
    if ('reason' in result) bad.push(result.reason);
    else symbols.push(result.symbol);
  }
  if (bad.length > 0) throw new UsageError(`--tickers: ${bad.join('; ')}`);
  if (symbols.length === 0) {
    throw new UsageError('name the symbols: --tickers-file FILE (one symbol a line) and/or --tickers A,B');
  }
  return [...new Set(symbols)];
}

/** Validates the command line; `nowMs` (UTC) sets the default `--to`, the last completed session. */
export function resolveEtlOptions(args: EtlArgs, nowMs: number): EtlOptions {
  const intervals = [
    ...new Set((args.interval ?? ['1min']).flatMap((i) => String(i).split(',')).map(parseInterval)),
  ];
  const datasets = parseDatasets(args.datasets ?? [...DATASETS]);
  const lastSession = lastCompletedSession(nowMs).date;
  const to = args.to === undefined ? lastSession : checkDate('--to', args.to);
  if (to > lastSession) {
    throw new UsageError(
      `--to ${to} is after the last completed session (${lastSession}): bars of an unfinished session are incomplete; use --to ${lastSession} or leave it out (realtime polling: mqs etl realtime)`,
    );
  }
  const from = args.from === undefined ? undefined : checkDate('--from', args.from);
  if (from !== undefined && from > to) throw new UsageError(`--from ${from} is after --to ${to}: swap them`);
  if (
    args.concurrency !== undefined &&
    (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64)
  ) {
    throw new UsageError(`--concurrency ${args.concurrency}: use a whole number from 1 to 64`);
  }
  return {
    symbols: readSymbols(args),
    intervals,
    datasets,
    from,
    to,
    concurrency: args.concurrency,
    extended: args.extended ?? false,
    dryRun: args.dryRun ?? false,
    json: args.json ?? false,
  };
}
