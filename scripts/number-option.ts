import { UsageError } from '../etl/core/errors.ts';

/** What a numeric flag accepts. */
export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  min?: number;
  max?: number;
  /** What the number means, for the message: "a number of seconds", "a year". */
  what: string;
  /** A good value, for the message. */
  example: number;
}

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} ≥ ${rule.min}`;
  if (rule.max !== undefined) return `${kind} ≤ ${rule.max}`;
  return kind;
}

/**
 * The value of `--flag` as a number that keeps `rule`, or a UsageError (exit 2) naming the flag, what was given
 * and what it takes. Takes the text as typed (yargs' number type turns `abc` into NaN and `2024.5` passes).
 */
export function parseNumberFlag(flag: string, raw: unknown, rule: NumberRule): number {
  if (Array.isArray(raw)) throw new UsageError(`--${flag} is given ${raw.length} times: give it once`);
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const value = text === '' ? Number.NaN : Number(text);
  const fits =
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!fits)
    throw new UsageError(
      `--${flag} ${JSON.stringify(text)} is not ${rule.what}: use ${describeRule(rule)}, e.g. --${flag} ${rule.example}`,
    );
  return value;
}

/**
 * A yargs option for a numeric flag, read as text: the handler checks it with `parseNumberFlag` before it does
 * anything. why: yargs turns `abc` into NaN for number options, and wraps an error thrown by `coerce` into its
 * own class, losing the exit code 2 of a UsageError. `defaultValue` only shows in --help.
 */
export function numberOption(describe: string, defaultValue?: number) {
  return {
    type: 'string' as const,
    describe: defaultValue === undefined ? describe : `${describe} (default ${defaultValue})`,
  };
}

/** `parseNumberFlag` for an optional flag: `fallback` when it was not given. */
export function optionalNumberFlag<T extends number | undefined>(
  flag: string,
  raw: unknown,
  rule: NumberRule,
  fallback: T,
): number | T {
  return raw === undefined ? fallback : parseNumberFlag(flag, raw, rule);
}
