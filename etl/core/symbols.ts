import { UsageError } from './errors.ts';

/** A normalised FMP symbol: upper case, share classes with a dash (`BRK-B`), safe in URLs and file names. */
export type Symbol = string;

const VALID = /^\^?[A-Z0-9]{1,10}(?:-[A-Z0-9]{1,4}|\.[A-Z]{2,4})?$/;

/**
 * Normalises what a person typed into FMP's spelling, or returns a reason it cannot.
 * `mog/a`, `MOG.A`, `MOG A` → `MOG-A` (a one-letter share class takes a dash); `SHOP.TO` keeps its exchange
 * suffix; `^GSPC` keeps its caret. Anything else (other punctuation, empty, too long) is rejected.
 */
export function tryNormalizeSymbol(raw: string): { symbol: Symbol } | { reason: string } {
  const text = raw.trim().toUpperCase();
  if (text === '') return { reason: 'empty symbol' };
  const shareClass = /^(\^?[A-Z0-9]{1,10})[/. ]([A-Z])$/.exec(text);
  const candidate = shareClass ? `${shareClass[1]}-${shareClass[2]}` : text;
  if (!VALID.test(candidate)) {
    return {
      reason: `${JSON.stringify(raw)} is not a symbol (expected letters and digits, a share class like BRK-B or BRK/B, or an exchange suffix like SHOP.TO)`,
    };
  }
  return { symbol: candidate };
}

/** Normalises a symbol or throws a UsageError naming it. */
export function normalizeSymbol(raw: string): Symbol {
  const result = tryNormalizeSymbol(raw);
  if ('reason' in result) throw new UsageError(result.reason);
  return result.symbol;
}

export interface TickerFileProblem {
  line: number;
  text: string;
  reason: string;
}

/**
 * Parses a tickers file: one symbol a line, `#` comments (whole-line or trailing) and blank lines allowed,
 * case and duplicates folded, first occurrence order kept. Returns the symbols and every bad line.
 */
export function parseTickers(text: string): { symbols: Symbol[]; problems: TickerFileProblem[] } {
  const symbols: Symbol[] = [];
  const seen = new Set<string>();
  const problems: TickerFileProblem[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') return;
    const result = tryNormalizeSymbol(line);
    if ('reason' in result) {
      problems.push({ line: index + 1, text: rawLine, reason: result.reason });
      return;
    }
    if (!seen.has(result.symbol)) {
      seen.add(result.symbol);
      symbols.push(result.symbol);
    }
  });
  return { symbols, problems };
}

/** Parses a tickers file or throws a UsageError listing every bad line with its number. */
export function parseTickersOrThrow(text: string, fileName: string): Symbol[] {
  const { symbols, problems } = parseTickers(text);
  if (problems.length > 0) {
    const lines = problems.slice(0, 20).map((p) => `  ${fileName}:${p.line}: ${p.reason}`);
    if (problems.length > 20) lines.push(`  … and ${problems.length - 20} more`);
    throw new UsageError(
      `${fileName}: ${problems.length} invalid line(s); fix or comment them out with #, nothing was fetched:\n${lines.join('\n')}`,
    );
  }
  if (symbols.length === 0)
    throw new UsageError(`${fileName}: no symbols found (one symbol a line, # for comments)`);
  return symbols;
}
