import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { scrubSecrets } from './secrets.ts';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Also append every line to this file (its folder is created). */
  file?: string;
  /** Where lines go besides the file; default stderr (stdout stays for command output). */
  destination?: NodeJS.WritableStream;
  /**
   * With a file: the lowest level that also goes to the destination (stderr); lines below it go to the file
   * only. Default: every line the logger's level lets through.
   */
  destinationLevel?: pino.Level;
}

/**
 * pino to stderr with secrets scrubbed from every line. Messages are constant; data goes in fields;
 * errors under `err`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  // why: a multistream entry defaults to level info and would drop debug lines the logger's level lets through;
  // the logger's level alone decides.
  const streams: pino.StreamEntry[] = [
    { level: (options.file && options.destinationLevel) || 'trace', stream: destination },
  ];
  if (options.file) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    streams.push({
      level: 'trace',
      stream: pino.destination({ dest: options.file, append: true, sync: true }),
    });
  }
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: ['apikey', 'apiKey', '*.apikey', '*.apiKey', 'token', '*.token'], censor: '***' },
      hooks: { streamWrite: (line: string) => scrubSecrets(line) },
    },
    streams.length === 1 ? destination : pino.multistream(streams),
  );
}

/** A logger that drops everything (for tests and libraries called without one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
