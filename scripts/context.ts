import path from 'node:path';
import dotenv from 'dotenv';
import type { AppContext } from '../etl/core/app-context.ts';
import { systemClock } from '../etl/core/clock.ts';
import { loadConfig } from '../etl/core/config.ts';
import { createLogger } from '../etl/core/log.ts';

export type { AppContext };

/** How a command's context is built; the command table declares them per command (scripts/command-table.ts). */
export interface ContextOptions {
  /** Override LOG_LEVEL (e.g. from --verbose / --quiet). */
  logLevel?: string;
  /** The level when neither logLevel nor LOG_LEVEL (environment or `.env`) sets one. Default the config's. */
  defaultLogLevel?: string;
  /** Also write the log to WAREHOUSE_DIR/logs/<name>.log. */
  logFileName?: string;
  /**
   * With a log file, for a command that prints its own summary: the lowest level that also goes to stderr when
   * neither logLevel nor LOG_LEVEL sets one (the file keeps every line). Default: stderr gets what the file gets.
   */
  terminalLogLevel?: 'warn' | 'error';
  env?: Record<string, string | undefined>;
}

/**
 * What the CLI root adds to the arguments of a command that declares a context: the context, built on the first
 * call (so a bad flag is still reported before the configuration is read) and the same bundle on every later one.
 */
export interface ContextArgs {
  context: () => AppContext;
}

/** Builds `{ config, log, clock }` from `.env` (in the working folder) and the environment. */
export function createContext(options: ContextOptions = {}): AppContext {
  let env = options.env;
  if (!env) {
    dotenv.config({ quiet: true });
    env = process.env;
  }
  const config = loadConfig(env);
  // why on first use: a command that logs nothing (`mqs sql`, `mqs status`) then never builds a logger, and the
  // bundle never runs pino's module body (scripts/build.mjs, EVALUATED_ON_FIRST_USE). The log file, when the
  // command has one, is opened with the first line.
  let log: AppContext['log'] | undefined;
  const logOptions = {
    // why: `.env` is loaded above, so a LOG_LEVEL written there counts as set, like one in the environment.
    level:
      options.logLevel ?? (env.LOG_LEVEL ? config.logLevel : (options.defaultLogLevel ?? config.logLevel)),
    file: options.logFileName ? path.join(config.warehouseDir, 'logs', options.logFileName) : undefined,
    // why: `mqs backup` printed its summary on stdout and the same as a JSON line on stderr; the JSON belongs
    // in the log file, and on the terminal only when asked for (--verbose, LOG_LEVEL) or when it warns.
    destinationLevel: options.logLevel || env.LOG_LEVEL ? undefined : options.terminalLogLevel,
  };
  return {
    config,
    get log() {
      log ??= createLogger(logOptions);
      return log;
    },
    clock: systemClock,
  };
}

/** The context of one CLI run: built by the first call, with `options`, and shared by every later call. */
export function contextOnce(options: ContextOptions): () => AppContext {
  let context: AppContext | undefined;
  return () => {
    context ??= createContext(options);
    return context;
  };
}
