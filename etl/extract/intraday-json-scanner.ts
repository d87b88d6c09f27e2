/**
 * The strict JSON byte scanner under the intraday parser: whitespace, strings (escapes and control characters
 * checked as JSON.parse checks them), numbers, literals, the punctuation of objects and arrays, and skipped values of
 * any depth, read straight from the body's bytes. Every rejection is an IntradayBodyError with the byte offset where the scanner gave up.
 */

/** The body is not a JSON array of valid intraday bars. `offset` is the byte where the parser gave up. */
export class IntradayBodyError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'IntradayBodyError';
    this.offset = offset;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const decoder = new TextDecoder('utf-8');

/** A string's raw content in the body: bytes [start, end) between its quotes, and whether it has escapes. */
export interface ScannedString {
  start: number;
  end: number;
  escaped: boolean;
}

/** A cursor over the body's bytes; `fail` throws an IntradayBodyError at the cursor. */
export class Scanner {
  pos = 0;
  numberValue = 0;
  numberValid = true;
  /** Set by `scanDecimal`: how many digits it read, before and after the decimal point. */
  digits = 0;
  /** Set by `scanDecimal` when it returns -1: the byte where the number broke off, and why. */
  decimalErrorAt = 0;
  decimalError = '';
  constructor(readonly b: Uint8Array) {}

  fail(message: string): never {
    throw new IntradayBodyError(message, this.pos);
  }

  skipWs(): void {
    const b = this.b;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  expect(byte: number, what: string): void {
    if (this.b[this.pos] !== byte) this.fail(`expected ${what}`);
    this.pos++;
  }

  /** Whether a string starts at the cursor. */
  atString(): boolean {
    return this.b[this.pos] === QUOTE;
  }

  /** Whether a number starts at the cursor ('-' or a digit). */
  atNumber(): boolean {
    const c = this.b[this.pos];
    return c === MINUS || (c !== undefined && c >= ZERO && c <= NINE);
  }

  /** Steps into an object (else fails: `expected ${what}`) and past whitespace; true for `{}`, stepped over whole. */
  enterObject(what = "'{'"): boolean {
    return this.enter(LBRACE, RBRACE, what);
  }

  /** Steps into an array (else fails: `expected ${what}`) and past whitespace; true for `[]`, stepped over whole. */
  enterArray(what = "'['"): boolean {
    return this.enter(LBRACKET, RBRACKET, what);
  }

  /** After an object's member: true past a ',' (another member follows), false past the closing '}'. */
  nextInObject(): boolean {
    return this.next(RBRACE, "',' or '}'");
  }

  /** After an array's element: true past a ',' (another element follows), false past the closing ']'. */
  nextInArray(): boolean {
    return this.next(RBRACKET, "',' or ']'");
  }

  /** An object member's key and its ':' with the whitespace around them; leaves the cursor at the value. */
  memberKey(): ScannedString {
    this.skipWs();
    const key = this.scanString();
    this.skipWs();
    this.expect(COLON, "':'");
    this.skipWs();
    return key;
  }

  private enter(open: number, close: number, what: string): boolean {
    this.expect(open, what);
    this.skipWs();
    if (this.b[this.pos] !== close) return false;
    this.pos++;
    return true;
  }

  private next(close: number, what: string): boolean {
    this.skipWs();
    if (this.b[this.pos] === COMMA) {
      this.pos++;
      return true;
    }
    this.expect(close, what);
    return false;
  }

  /**
   * Scans a string starting at its opening quote; returns [start, end) of its raw content and whether it had
   * escapes. Validates escapes and rejects raw control characters, as JSON.parse does.
   */
  scanString(): ScannedString {
    const b = this.b;
    if (b[this.pos] !== QUOTE) this.fail('expected a string');
    let p = this.pos + 1;
    const start = p;
    let escaped = false;
    for (;;) {
      if (p >= b.length) {
        this.pos = p;
        this.fail('unterminated string');
      }
      const c = b[p]!;
      if (c === QUOTE) break;
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in string');
      }
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[p + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = b[p + k];
            const hex =
              h !== undefined &&
              ((h >= ZERO && h <= NINE) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66));
            if (!hex) {
              this.pos = p;
              this.fail('bad \\u escape');
            }
          }
          p += 6;
          continue;
        }
        if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          p += 2;
          continue;
        }
        this.pos = p;
        this.fail('bad escape');
      }
      p++;
    }
    this.pos = p + 1;
    return { start, end: p, escaped };
  }

  /** Decodes a scanned string's content (only for the rare escaped case). */
  decode(start: number, end: number): string {
    return JSON.parse(decoder.decode(this.b.subarray(start - 1, end + 1))) as string;
  }

  /**
   * Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?` from `p` without moving the cursor and returns the position after it. Sets
   * `digits`, and `numberValue` to ±mantissa / 10^fraction, which is exact (= parseFloat) only for at most 15 digits.
   * Returns -1 where the grammar breaks, with `decimalErrorAt` and `decimalError` saying where and why.
   * why: one reading of numbers for `scanNumber` and the intraday parser's fast path for canonical bars.
   */
  scanDecimal(p: number): number {
    const b = this.b;
    let negative = false;
    if (b[p] === MINUS) {
      negative = true;
      p++;
    }
    let mantissa = 0;
    let digits = 0;
    let c = b[p];
    if (c === ZERO) {
      p++;
      digits = 1;
    } else if (c !== undefined && c > ZERO && c <= NINE) {
      while (c !== undefined && c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = b[++p];
      }
    } else {
      return this.decimalFailure(p, 'expected a number');
    }
    let fraction = 0;
    if (b[p] === DOT) {
      c = b[++p];
      if (c === undefined || c < ZERO || c > NINE)
        return this.decimalFailure(p, 'expected a digit after the decimal point');
      while (c !== undefined && c >= ZERO && c <= NINE) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        fraction++;
        c = b[++p];
      }
    }
    this.digits = digits;
    // why: mantissa / 10^k is exact-then-correctly-rounded (= parseFloat) only while both are exact doubles:
    // at most 15 digits and k ≤ 22; callers take the slow, exact path for anything else.
    const value = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
    this.numberValue = negative ? -value : value;
    return p;
  }

  private decimalFailure(at: number, why: string): number {
    this.decimalErrorAt = at;
    this.decimalError = why;
    return -1;
  }

  /** Scans a JSON number; sets numberValue (and numberValid = finite). */
  scanNumber(): void {
    const b = this.b;
    const begin = this.pos;
    let p = this.scanDecimal(begin);
    if (p < 0) {
      this.pos = this.decimalErrorAt;
      this.fail(this.decimalError);
    }
    let exponent = false;
    let c = b[p];
    if (c === 0x65 || c === 0x45) {
      exponent = true;
      p++;
      c = b[p];
      if (c === PLUS || c === MINUS) c = b[++p];
      if (c === undefined || c < ZERO || c > NINE) {
        this.pos = p;
        this.fail('expected a digit in the exponent');
      }
      while (c !== undefined && c >= ZERO && c <= NINE) c = b[++p];
    }
    this.pos = p;
    if (exponent || this.digits > 15) {
      let text = '';
      for (let i = begin; i < p; i++) text += String.fromCharCode(b[i]!);
      this.numberValue = Number(text);
    }
    this.numberValid = Number.isFinite(this.numberValue);
  }

  /** Skips any JSON value, validating its syntax. */
  skipValue(depth = 0): void {
    if (depth > 512) this.fail('nesting too deep');
    const c = this.b[this.pos];
    if (c === QUOTE) {
      this.scanString();
    } else if (this.atNumber()) {
      this.scanNumber();
    } else if (c === LBRACE) {
      if (this.enterObject()) return;
      do {
        this.memberKey();
        this.skipValue(depth + 1);
      } while (this.nextInObject());
    } else if (c === LBRACKET) {
      if (this.enterArray()) return;
      do {
        this.skipWs();
        this.skipValue(depth + 1);
      } while (this.nextInArray());
    } else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) {
      this.fail('expected a JSON value');
    }
  }

  literal(word: string): boolean {
    const b = this.b;
    for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word.charCodeAt(i)) return false;
    this.pos += word.length;
    return true;
  }
}
