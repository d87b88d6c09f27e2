import { describe, expect, it } from 'vitest';
import { seededRandom } from '../core/seeded-random.ts';
import { intradayBodySchema, intradayRowsToColumns } from './fmp-schemas.ts';
import type { FmpIntradayColumns } from './fmp-types.ts';
import { IntradayBodyError, parseIntradayBody } from './intraday-parser.ts';

/** The definition of valid: JSON.parse, then the zod schema. */
function referenceParse(bytes: Buffer): FmpIntradayColumns | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = intradayBodySchema.safeParse(json);
  return parsed.success ? intradayRowsToColumns(parsed.data) : undefined;
}

function scannerParse(bytes: Buffer): FmpIntradayColumns | undefined {
  try {
    return parseIntradayBody(bytes);
  } catch (error) {
    if (error instanceof IntradayBodyError) return undefined;
    throw error;
  }
}

const COLUMNS = ['wallMs', 'open', 'high', 'low', 'close', 'volume'] as const;

function sameColumns(a: FmpIntradayColumns, b: FmpIntradayColumns): boolean {
  if (a.length !== b.length) return false;
  for (const c of COLUMNS) {
    if (a[c].length !== a.length || b[c].length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[c][i], b[c][i])) return false;
  }
  return true;
}

class BodyGenerator {
  constructor(private readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  ws(): string {
    return this.r() < 0.7 ? '' : this.pick([' ', '\n', '\t', '\r\n  ', '  ']);
  }
  number(): string {
    switch (this.int(9)) {
      case 0:
        return String(this.int(10_000_000));
      case 1:
        return (this.r() * 500).toFixed(this.int(4));
      case 2:
        return `-${(this.r() * 50).toFixed(2)}`;
      case 3:
        return `${this.int(9) + 1}.${this.int(1000)}e${this.pick(['', '+', '-'])}${this.int(5)}`;
      case 4:
        return '12345678901234567.891';
      case 5:
        return this.pick(['0', '-0', '0.0', '-0.000', '1E2', '0.1', '123456789012345']);
      case 6:
        return String(this.r() * 1000);
      case 7:
        return `${this.int(1000)}.${String(this.int(100000)).padStart(5, '0')}`;
      default:
        return (this.r() * 300).toFixed(2);
    }
  }
  date(): string {
    const y = 2000 + this.int(30);
    const mo = 1 + this.int(12);
    const d = 1 + this.int(this.r() < 0.1 ? 31 : 28);
    const p = (v: number) => String(v).padStart(2, '0');
    let text = `${y}-${p(mo)}-${p(d)} ${p(this.int(24))}:${p(this.int(60))}:${p(this.int(60))}`;
    if (this.r() < 0.05) text = `${y}-02-29 09:30:00`;
    if (this.r() < 0.05) text = text.replace('2', '\\u0032');
    return text;
  }
  anyValue(depth = 0): string {
    const k = this.int(depth > 2 ? 4 : 6);
    if (k === 0) return this.number();
    if (k === 1) return JSON.stringify(this.pick(['x', 'AAPL', 'é€', 'a"b', 'line\nbreak', '']));
    if (k === 2) return this.pick(['true', 'false', 'null']);
    if (k === 3) return '"\\u00e9\\/\\t"';
    if (k === 4) return `[${Array.from({ length: this.int(3) }, () => this.anyValue(depth + 1)).join(',')}]`;
    return `{${Array.from({ length: this.int(3) }, (_, i) => `"k${i}":${this.ws()}${this.anyValue(depth + 1)}`).join(',')}}`;
  }
  /** A bar as FMP writes it (the parser's fast path); numbers still vary, so some leave the fast path. */
  canonicalBar(): string {
    const n = () => (this.r() < 0.8 ? (this.r() * 500).toFixed(this.int(4)) : this.number());
    return `{"date":"${this.date()}","open":${n()},"low":${n()},"high":${n()},"close":${n()},"volume":${n()}}`;
  }
  bar(): string {
    const fields: Array<[string, string]> = [
      ['date', `"${this.date()}"`],
      ['open', this.number()],
      ['low', this.number()],
      ['high', this.number()],
      ['close', this.number()],
      ['volume', this.number()],
    ];
    if (this.r() < 0.2)
      fields.push([this.pick(['symbol', 'vwap', '__proto__', 'Date', 'extra']), this.anyValue()]);
    if (this.r() < 0.05) fields.push(['open', this.number()]);
    if (this.r() < 0.05) fields.splice(1, 0, ['close', '"not a number"']);
    for (let i = fields.length - 1; i > 0; i--) {
      if (this.r() < 0.3) {
        const j = this.int(i + 1);
        [fields[i], fields[j]] = [fields[j]!, fields[i]!];
      }
    }
    const key = (k: string) => (this.r() < 0.03 && k === 'date' ? '"\\u0064ate"' : `"${k}"`);
    const parts = fields.map(([k, v]) => `${this.ws()}${key(k)}${this.ws()}:${this.ws()}${v}${this.ws()}`);
    return `{${parts.join(',')}}`;
  }
  body(): string {
    const n = this.int(6);
    if (this.r() < 0.4) return `[${Array.from({ length: n }, () => this.canonicalBar()).join(',')}]`;
    return `${this.ws()}[${Array.from({ length: n }, () => `${this.ws()}${this.bar()}${this.ws()}`).join(',')}]${this.ws()}`;
  }
  corrupt(text: string): Buffer {
    const bytes = Buffer.from(text, 'utf8');
    const at = this.int(bytes.length + 1);
    switch (this.int(9)) {
      case 0:
        return bytes.subarray(0, at);
      case 1:
        return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
      case 2: {
        const insert = Buffer.from(
          this.pick([',', '"', '{', '}', '[', ']', ':', '-', '.', 'e', '0', ' ', '\u0001', 'x', '\\']),
        );
        return Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
      }
      case 3: {
        const copy = Buffer.from(bytes);
        if (at < copy.length) copy[at] = this.pick([0x22, 0x2c, 0x7d, 0x30, 0x2e, 0x00, 0xff, 0x20, 0x6e]);
        return copy;
      }
      case 4:
        return Buffer.from(
          text.replace(
            /"(open|low|high|close|volume)":\s*[^,}]+/,
            (_m, k) => `"${k}":${this.pick(['null', '"1"', '[]', '1e999', '01', '.5', '+1', '1.'])}`,
          ),
        );
      case 5:
        return Buffer.from(
          text.replace(
            /"date":\s*"[^"]*"/,
            `"date":"${this.pick(['2024-02-30 09:30:00', '2023-02-29 10:00:00', '2024-03-11 24:00:00', '2024-03-11 09:60:00', '2024-13-01 09:30:00', '2024-03-11T09:30:00', '2024-03-11 09:30', ' 2024-03-11 09:30:00', '２024-03-11 09:30:00'])}"`,
          ),
        );
      case 6:
        return Buffer.from(text.replace(/,?\s*"(volume|date)":\s*("[^"]*"|[^,}]+)/, ''));
      case 7:
        return Buffer.from(
          this.pick([
            `${text},`,
            `${text}]`,
            `\uFEFF${text}`,
            `{"Error Message":"Limit Reach"}`,
            `[${text}]`,
            `${text}x`,
          ]),
        );
      default:
        return Buffer.from(text.replace(/\}\s*\]\s*$/, '},]'));
    }
  }
}

describe('parseIntradayBody', () => {
  it('reads an FMP body into columns in the body order', () => {
    const body = Buffer.from(
      '[ {"date": "2024-03-11 09:31:00", "open": 172.5, "low": 172.1, "high": 173, "close": 172.84, "volume": 1555040},\n' +
        '  {"date": "2024-03-11 09:30:00", "open": 171.99, "low": 171.5, "high": 172.6, "close": 172.5, "volume": 901223.5} ]',
    );
    const cols = parseIntradayBody(body);
    expect(cols.length).toBe(2);
    expect(Array.from(cols.wallMs)).toEqual([Date.UTC(2024, 2, 11, 9, 31), Date.UTC(2024, 2, 11, 9, 30)]);
    expect(Array.from(cols.open)).toEqual([172.5, 171.99]);
    expect(Array.from(cols.high)).toEqual([173, 172.6]);
    expect(Array.from(cols.low)).toEqual([172.1, 171.5]);
    expect(Array.from(cols.close)).toEqual([172.84, 172.5]);
    expect(Array.from(cols.volume)).toEqual([1555040, 901223.5]);
  });

  it('accepts [] as an empty answer and rejects an error object, naming the byte', () => {
    expect(parseIntradayBody(Buffer.from(' [ ] ')).length).toBe(0);
    expect(() => parseIntradayBody(Buffer.from('{"Error Message": "Limit Reach"}'))).toThrow(
      /expected '\[' .* at byte 0/,
    );
    expect(() => parseIntradayBody(Buffer.from('[{"date":"2024-03-11 09:30:00","open":1}]'))).toThrow(
      /bar 0: missing "low"/,
    );
  });

  it('accepts and rejects exactly what JSON.parse + the zod schema do, with identical values (generated bodies)', () => {
    const gen = new BodyGenerator(seededRandom(20240311));
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 20000; i++) {
      const text = gen.body();
      const bytes = i % 2 === 0 ? Buffer.from(text, 'utf8') : gen.corrupt(text);
      const expected = referenceParse(bytes);
      const actual = scannerParse(bytes);
      if (expected === undefined || actual === undefined) {
        expect({ case: i, body: bytes.toString('utf8'), scannerAccepted: actual !== undefined }).toEqual({
          case: i,
          body: bytes.toString('utf8'),
          scannerAccepted: expected !== undefined,
        });
      } else {
        expect(sameColumns(actual, expected), `case ${i}: ${bytes.toString('utf8')}`).toBe(true);
      }
      if (expected) accepted++;
      else rejected++;
    }
    // the generator must exercise both sides substantially, or the equivalence says little
    expect(accepted).toBeGreaterThan(5000);
    expect(rejected).toBeGreaterThan(5000);
  });
});
