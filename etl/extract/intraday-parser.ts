/**
 * Byte-level parser of FMP intraday bodies straight into Float64Arrays (no object per bar; its
 * CPU per MB against JSON.parse: docs/performance.md#fmp-client).
 *
 * Contract: for any bytes, `parseIntradayBody` returns columns exactly when
 * `intradayBodySchema.safeParse(JSON.parse(bytes.toString('utf8')))` succeeds, with the same values; otherwise it
 * throws an IntradayBodyError. `intraday-parser.test.ts` checks this over generated valid and corrupted bodies.
 * The JSON scanning under both paths (canonical bars, and any other valid layout) is `intraday-json-scanner.ts`.
 */
import { wallMsOfFields, wallMsOfFmpDateTime, zeroIntradayColumns } from './fmp-schemas.ts';
import type { FmpIntradayColumns } from './fmp-types.ts';
import { Scanner } from './intraday-json-scanner.ts';

export { IntradayBodyError } from './intraday-json-scanner.ts';

// why: module-local copies of the scanner's byte constants that the date and canonical-bar paths read per byte:
// read through imported bindings, the hot path parsed canonical bodies ~25% slower under tsx's ESM loader and ~7x
// slower when loaded as CommonJS (measured on 40 simulator bodies of a week of 1min bars; `npm run bench -- client`
// reports the figure as decode+validate ms/MB). Structure and numbers are read by the scanner's methods.
const COLON = 0x3a;
const RBRACE = 0x7d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

// Field slots; a field's state is 0 missing, 1 valid, 2 present but invalid (JSON.parse keeps the last duplicate).
const F_DATE = 0;
const F_OPEN = 1;
const F_LOW = 2;
const F_HIGH = 3;
const F_CLOSE = 4;
const F_VOLUME = 5;

/** Field slot of a raw key without escapes, or -1. */
function fieldOfKey(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  const c = b[start];
  if (n === 4 && c === 0x64 && b[start + 1] === 0x61 && b[start + 2] === 0x74 && b[start + 3] === 0x65)
    return F_DATE;
  if (n === 4 && c === 0x6f && b[start + 1] === 0x70 && b[start + 2] === 0x65 && b[start + 3] === 0x6e)
    return F_OPEN;
  if (n === 3 && c === 0x6c && b[start + 1] === 0x6f && b[start + 2] === 0x77) return F_LOW;
  if (n === 4 && c === 0x68 && b[start + 1] === 0x69 && b[start + 2] === 0x67 && b[start + 3] === 0x68)
    return F_HIGH;
  if (
    n === 5 &&
    c === 0x63 &&
    b[start + 1] === 0x6c &&
    b[start + 2] === 0x6f &&
    b[start + 3] === 0x73 &&
    b[start + 4] === 0x65
  )
    return F_CLOSE;
  if (
    n === 6 &&
    c === 0x76 &&
    b[start + 1] === 0x6f &&
    b[start + 2] === 0x6c &&
    b[start + 3] === 0x75 &&
    b[start + 4] === 0x6d &&
    b[start + 5] === 0x65
  )
    return F_VOLUME;
  return -1;
}

const FIELD_NAMES = ['date', 'open', 'low', 'high', 'close', 'volume'];

function fieldOfName(name: string): number {
  return FIELD_NAMES.indexOf(name);
}

const DIGIT_OFFSETS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

// why: consecutive bars share their day; validating and converting the date part once per day saves a Date.UTC
// call per bar. The result equals wallMsOfFields for every input (the day part is computed by it).
let cachedDayKey = -1;
let cachedDayMs = 0;

// why: a module-level function, not a closure: tsx (esbuild keepNames) wraps every closure creation in a
// naming call that cost a sixth of the parse time.
function twoDigits(b: Uint8Array, i: number): number {
  return (b[i]! - ZERO) * 10 + (b[i + 1]! - ZERO);
}

/** Wall ms of an unescaped 19-byte `YYYY-MM-DD HH:MM:SS`, or NaN. */
function wallMsOfRaw(b: Uint8Array, start: number, end: number): number {
  if (end - start !== 19) return Number.NaN;
  if (
    b[start + 4] !== MINUS ||
    b[start + 7] !== MINUS ||
    b[start + 10] !== 0x20 ||
    b[start + 13] !== COLON ||
    b[start + 16] !== COLON
  )
    return Number.NaN;
  for (const offset of DIGIT_OFFSETS) {
    const c = b[start + offset]!;
    if (c < ZERO || c > NINE) return Number.NaN;
  }
  const year = twoDigits(b, start) * 100 + twoDigits(b, start + 2);
  const month = twoDigits(b, start + 5);
  const day = twoDigits(b, start + 8);
  const hour = twoDigits(b, start + 11);
  const minute = twoDigits(b, start + 14);
  const second = twoDigits(b, start + 17);
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const dayKey = year * 10_000 + month * 100 + day;
  if (dayKey !== cachedDayKey) {
    const dayMs = wallMsOfFields(year, month, day, 0, 0, 0);
    if (Number.isNaN(dayMs)) return Number.NaN;
    cachedDayKey = dayKey;
    cachedDayMs = dayMs;
  }
  return cachedDayMs + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));
const LIT_DATE = ascii('{"date":"');
const LIT_OPEN = ascii('","open":');
const LIT_LOW = ascii(',"low":');
const LIT_HIGH = ascii(',"high":');
const LIT_CLOSE = ascii(',"close":');
const LIT_VOLUME = ascii(',"volume":');
const NUMBER_LITERALS = [LIT_OPEN, LIT_LOW, LIT_HIGH, LIT_CLOSE, LIT_VOLUME];
const NUMBER_FIELDS = [F_OPEN, F_LOW, F_HIGH, F_CLOSE, F_VOLUME];

function matchesAt(b: Uint8Array, p: number, literal: Uint8Array): boolean {
  if (p + literal.length > b.length) return false;
  for (let i = 0; i < literal.length; i++) if (b[p + i] !== literal[i]) return false;
  return true;
}

/**
 * The hot path: a bar written exactly as FMP writes it (`{"date":"…","open":…,"low":…,"high":…,"close":…,"volume":…}`,
 * no spaces, numbers of at most 15 digits without exponent). Fills `values` and returns the position after `}`, or -1 for anything else, which
 * the general path then judges from the same position.
 */
function canonicalBarAt(s: Scanner, p: number, values: Float64Array): number {
  const b = s.b;
  if (!matchesAt(b, p, LIT_DATE)) return -1;
  p += LIT_DATE.length;
  const wall = wallMsOfRaw(b, p, p + 19);
  if (Number.isNaN(wall)) return -1;
  p += 19;
  for (let k = 0; k < NUMBER_LITERALS.length; k++) {
    const literal = NUMBER_LITERALS[k]!;
    if (!matchesAt(b, p, literal)) return -1;
    p = s.scanDecimal(p + literal.length);
    if (p < 0 || s.digits > 15) return -1;
    values[NUMBER_FIELDS[k]!] = s.numberValue;
  }
  if (b[p] !== RBRACE) return -1;
  values[F_DATE] = wall;
  return p + 1;
}

function grow(cols: FmpIntradayColumns, capacity: number): FmpIntradayColumns {
  const next = zeroIntradayColumns(capacity);
  next.wallMs.set(cols.wallMs);
  next.open.set(cols.open);
  next.high.set(cols.high);
  next.low.set(cols.low);
  next.close.set(cols.close);
  next.volume.set(cols.volume);
  return next;
}

/** The general path for one bar object at `s.pos`: any whitespace, key order, duplicates, extra keys, escapes. */
function parseBarObject(s: Scanner, state: Uint8Array, values: Float64Array, n: number): void {
  const b = s.b;
  state.fill(0);
  if (!s.enterObject('a bar object')) {
    do {
      const key = s.memberKey();
      const field = key.escaped
        ? fieldOfName(s.decode(key.start, key.end))
        : fieldOfKey(b, key.start, key.end);
      if (field < 0) {
        s.skipValue();
      } else if (field === F_DATE) {
        if (s.atString()) {
          const str = s.scanString();
          const wall = str.escaped
            ? wallMsOfFmpDateTime(s.decode(str.start, str.end))
            : wallMsOfRaw(b, str.start, str.end);
          if (Number.isNaN(wall)) state[F_DATE] = 2;
          else {
            state[F_DATE] = 1;
            values[F_DATE] = wall;
          }
        } else {
          s.skipValue();
          state[F_DATE] = 2;
        }
      } else if (s.atNumber()) {
        s.scanNumber();
        state[field] = s.numberValid ? 1 : 2;
        values[field] = s.numberValue;
      } else {
        s.skipValue();
        state[field] = 2;
      }
    } while (s.nextInObject());
  }
  for (let f = 0; f < 6; f++) {
    if (state[f] !== 1) s.fail(`bar ${n}: ${state[f] === 0 ? 'missing' : 'invalid'} "${FIELD_NAMES[f]}"`);
  }
}

/** Parses an intraday body (decompressed bytes) into columns in the body's order, or throws IntradayBodyError. */
export function parseIntradayBody(bytes: Uint8Array): FmpIntradayColumns {
  const s = new Scanner(bytes);
  const b = bytes;
  // why: an FMP bar is about 100 bytes; start there and double if the guess was low.
  let capacity = Math.max(16, Math.ceil(bytes.length / 90));
  let cols = zeroIntradayColumns(capacity);
  let n = 0;
  const state = new Uint8Array(6);
  const values = new Float64Array(6);

  s.skipWs();
  if (!s.enterArray("'[' (a JSON array)")) {
    do {
      s.skipWs();
      const canonicalEnd = canonicalBarAt(s, s.pos, values);
      if (canonicalEnd >= 0) s.pos = canonicalEnd;
      else parseBarObject(s, state, values, n);
      if (n === capacity) {
        capacity *= 2;
        cols = grow(cols, capacity);
      }
      cols.wallMs[n] = values[F_DATE]!;
      cols.open[n] = values[F_OPEN]!;
      cols.low[n] = values[F_LOW]!;
      cols.high[n] = values[F_HIGH]!;
      cols.close[n] = values[F_CLOSE]!;
      cols.volume[n] = values[F_VOLUME]!;
      n++;
    } while (s.nextInArray());
  }
  s.skipWs();
  if (s.pos !== b.length) s.fail('unexpected data after the array');
  return {
    length: n,
    wallMs: cols.wallMs.slice(0, n),
    open: cols.open.slice(0, n),
    high: cols.high.slice(0, n),
    low: cols.low.slice(0, n),
    close: cols.close.slice(0, n),
    volume: cols.volume.slice(0, n),
  };
}
