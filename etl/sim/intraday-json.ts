/**
 * Renders intraday bars as FMP's JSON, newest first, straight into bytes:
 * `[{"date":"2024-03-11 15:59:00","open":41.55,"low":41.54,"high":41.57,"close":41.57,"volume":14406},...]`.
 * why: cold responses (a window nobody asked for before) are the simulator's hot path; writing ASCII into one
 * Buffer is several times faster than template strings, join and UTF-8 encoding.
 */
import { MINUTE_LABELS, type SimBarColumns } from './sim-intraday.ts';
import { simSessions } from './sim-sessions.ts';

const ascii = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

/** `HH:MM:00","open":` for every minute of the day. */
const MINUTE_TAILS = MINUTE_LABELS.map((label) => ascii(`${label}","open":`));
const ROW_HEAD = ascii('{"date":"');
const LOW = ascii(',"low":');
const HIGH = ascii(',"high":');
const CLOSE = ascii(',"close":');
const VOLUME = ascii(',"volume":');
const DIGITS = new Uint8Array(20);

/** Most bytes one row can take (prices below 10^9, volumes below 10^15). */
const MAX_ROW_BYTES = 160;

let out = new Uint8Array(1 << 16);
let pos = 0;

function putBytes(b: Uint8Array): void {
  // why: a byte loop beats a native copy call at these sizes.
  for (let i = 0; i < b.length; i++) out[pos++] = b[i];
}

/** Two ASCII digits per value 0–99. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10),
);

/** A non-negative integer below 2^53. */
function putUint(n: number): void {
  if (n < 10) {
    out[pos++] = 48 + n;
    return;
  }
  if (n >= 2147483648) {
    // why: 32-bit integer arithmetic below is faster but only covers n < 2^31.
    const high = Math.floor(n / 1e9);
    putUint(high);
    const low = n - high * 1e9;
    for (let d = 1e8; d >= 1; d /= 10) out[pos++] = 48 + (Math.floor(low / d) % 10);
    return;
  }
  let k = 0;
  let v = n | 0;
  while (v >= 100) {
    const q = (v / 100) | 0;
    const r = v - q * 100;
    DIGITS[k++] = PAIRS[2 * r + 1];
    DIGITS[k++] = PAIRS[2 * r];
    v = q;
  }
  if (v >= 10) {
    DIGITS[k++] = PAIRS[2 * v + 1];
    DIGITS[k++] = PAIRS[2 * v];
  } else {
    DIGITS[k++] = 48 + v;
  }
  while (k > 0) out[pos++] = DIGITS[--k];
}

/** A price as JSON with at most two decimals, exactly as `String(price)` prints a whole-cent value. */
function putCents(price: number): void {
  let c = Math.round(price * 100);
  if (c < 0) {
    out[pos++] = 45; // -
    c = -c;
  }
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  putUint(whole);
  if (frac === 0) return;
  out[pos++] = 46; // .
  out[pos++] = PAIRS[2 * frac];
  if (frac % 10 !== 0) out[pos++] = PAIRS[2 * frac + 1];
}

const dateBytes = new Map<number, Uint8Array>();

function dateOf(sessionIndex: number): Uint8Array {
  let b = dateBytes.get(sessionIndex);
  if (!b) {
    b = ascii(`${simSessions().sessions[sessionIndex].date} `);
    dateBytes.set(sessionIndex, b);
  }
  return b;
}

/** FMP's intraday JSON for ascending columns, written newest first (a fresh Buffer). */
export function intradayJson(columns: SimBarColumns): Buffer {
  const capacity = 2 + columns.length * MAX_ROW_BYTES;
  if (out.length < capacity) out = new Uint8Array(capacity);
  pos = 0;
  out[pos++] = 91; // [
  for (let r = columns.length - 1; r >= 0; r--) {
    if (r !== columns.length - 1) out[pos++] = 44; // ,
    putBytes(ROW_HEAD);
    putBytes(dateOf(columns.sessionIndex[r]));
    putBytes(MINUTE_TAILS[columns.minute[r]]);
    putCents(columns.open[r]);
    putBytes(LOW);
    putCents(columns.low[r]);
    putBytes(HIGH);
    putCents(columns.high[r]);
    putBytes(CLOSE);
    putCents(columns.close[r]);
    putBytes(VOLUME);
    putUint(columns.volume[r]);
    out[pos++] = 125; // }
  }
  out[pos++] = 93; // ]
  return Buffer.from(out.subarray(0, pos));
}
