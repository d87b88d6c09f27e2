import path from 'node:path';
import dotenv from 'dotenv';
import { type Clock, systemClock } from '../etl/core/clock.ts';
import { type Config, loadConfig } from '../etl/core/config.ts';
import { createLogger, type Logger } from '../etl/core/log.ts';

/** What every command receives from the composition root. Nothing below it reads `process.env`. */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
}

export interface ContextOptions {
  /** Override LOG_LEVEL (e.g. from --verbose / --quiet). */
  logLevel?: string;
  /** The level when neither logLevel nor LOG_LEVEL (environment or `.env`) sets one. Default the config's. */
  defaultLogLevel?: string;
  /** Also write the log to WAREHOUSE_DIR/logs/<name>.log. */
  logFileName?: string;
  env?: Record<string, string | undefined>;
}

/** Builds `{ config, log, clock }` from `.env` (in the working folder) and the environment. */
export function createContext(options: ContextOptions = {}): AppContext {
  let env = options.env;
  if (!env) {
    dotenv.config({ quiet: true });
    env = process.env;
  }
  const config = loadConfig(env);
  const log = createLogger({
    // why: `.env` is loaded above, so a LOG_LEVEL written there counts as set, like one in the environment.
    level:
      options.logLevel ?? (env.LOG_LEVEL ? config.logLevel : (options.defaultLogLevel ?? config.logLevel)),
    file: options.logFileName ? path.join(config.warehouseDir, 'logs', options.logFileName) : undefined,
  });
  return { config, log, clock: systemClock };
}
