/**
 * Renders intraday bars as FMP's JSON, newest first, straight into bytes:
 * `[{"date":"2024-03-11 15:59:00","open":41.55,"low":41.54,"high":41.57,"close":41.57,"volume":14406},...]`.
 * why: cold responses (a window nobody asked for before) are the simulator's hot path; writing ASCII into one
 * buffer is several times faster than template strings, join and UTF-8 encoding.
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

/** Two ASCII digits per value 0–99: PAIRS[2v] tens, PAIRS[2v + 1] ones. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10),
);

/** Most bytes one row can take (prices below 10^9, volumes below 10^15). */
const MAX_ROW_BYTES = 160;

// why: every writer takes the buffer and position and returns the new position, so the hot loop keeps both in
// locals (module-level `let`s it would otherwise read and write through a context object on every byte).

function putBytes(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  // why: a byte loop beats a native copy call at these sizes.
  for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i];
  return p;
}

/** A non-negative integer below 2^53. */
function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p++] = 48 + n;
    return p;
  }
  if (n >= 2147483648) {
    // why: the 32-bit arithmetic below only covers n < 2^31.
    const high = Math.floor(n / 1e9);
    p = putUint(buf, p, high);
    const low = n - high * 1e9;
    for (let d = 1e8; d >= 1; d /= 10) buf[p++] = 48 + (Math.floor(low / d) % 10);
    return p;
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
  while (k > 0) buf[p++] = DIGITS[--k];
  return p;
}

/** A price as JSON with at most two decimals, exactly as `String(price)` prints a whole-cent value. */
function putCents(buf: Uint8Array, p: number, price: number): number {
  let c = Math.round(price * 100);
  if (c < 0) {
    buf[p++] = 45; // -
    c = -c;
  }
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  p = putUint(buf, p, whole);
  if (frac === 0) return p;
  buf[p++] = 46; // .
  buf[p++] = PAIRS[2 * frac];
  if (frac % 10 !== 0) buf[p++] = PAIRS[2 * frac + 1];
  return p;
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

let scratch = new Uint8Array(1 << 16);

/** FMP's intraday JSON for ascending columns, written newest first (a fresh Buffer). */
export function intradayJson(columns: SimBarColumns): Buffer {
  const capacity = 2 + columns.length * MAX_ROW_BYTES;
  if (scratch.length < capacity) scratch = new Uint8Array(capacity);
  const buf = scratch;
  let p = 0;
  buf[p++] = 91; // [
  let dateIndex = -1;
  let date: Uint8Array = ROW_HEAD;
  for (let r = columns.length - 1; r >= 0; r--) {
    if (r !== columns.length - 1) buf[p++] = 44; // ,
    if (columns.sessionIndex[r] !== dateIndex) {
      dateIndex = columns.sessionIndex[r];
      date = dateOf(dateIndex);
    }
    p = putBytes(buf, p, ROW_HEAD);
    p = putBytes(buf, p, date);
    p = putBytes(buf, p, MINUTE_TAILS[columns.minute[r]]);
    p = putCents(buf, p, columns.open[r]);
    p = putBytes(buf, p, LOW);
    p = putCents(buf, p, columns.low[r]);
    p = putBytes(buf, p, HIGH);
    p = putCents(buf, p, columns.high[r]);
    p = putBytes(buf, p, CLOSE);
    p = putCents(buf, p, columns.close[r]);
    p = putBytes(buf, p, VOLUME);
    p = putUint(buf, p, columns.volume[r]);
    buf[p++] = 125; // }
  }
  buf[p++] = 93; // ]
  return Buffer.from(buf.subarray(0, p));
}
