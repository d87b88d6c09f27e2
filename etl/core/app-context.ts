import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

/**
 * What a command works with: the configuration, the log and the clock. The CLI's composition root
 * (scripts/context.ts, called from scripts/cli-root.ts) builds it once per run; nothing below it reads `process.env`.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
}
