/**
 * The project's error vocabulary. Only the CLI root prints errors and chooses the exit code:
 * 0 ok, 1 failed work, 2 bad usage or configuration.
 */

export type ExitCode = 1 | 2;

/** An error meant for the person at the terminal: its message names the input and the fix. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad command-line input or a malformed input file: exit 2, nothing fetched or stored. */
export class UsageError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** A broken `.env` or environment value: exit 2. */
export class ConfigError extends UsageError {}

/** Work ran but some units failed for good (windows, portfolios, checks): exit 1. */
export class WorkFailedError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 1 });
  }
}

/** Another process holds a writer lock we waited for in vain: exit 1. */
export class LockedError extends CliError {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
