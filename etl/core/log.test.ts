import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { registerSecret } from './secrets.ts';

describe('logger', () => {
  it('never writes a registered secret, in messages, fields or errors', () => {
    registerSecret('log-secret-123');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c) => chunks.push(String(c)));
    const log = createLogger({ destination: out });
    log.info({ url: 'http://127.0.0.1/stable/x?apikey=log-secret-123', apikey: 'log-secret-123' }, 'request');
    log.error({ err: new Error('failed with log-secret-123') }, 'boom');
    const text = chunks.join('');
    expect(text).toContain('request');
    expect(text).toContain('boom');
    expect(text).not.toContain('log-secret-123');
  });
});

/** A logger's stream output and a temporary folder for its file, removed after `body`. */
async function withLogFile(
  body: (out: PassThrough, text: () => string, dir: string) => Promise<void> | void,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-log-'));
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  try {
    await body(out, () => chunks.join(''), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('logger with a file', () => {
  it('writes debug lines to the file and the stream when the level is debug', async () => {
    await withLogFile((out, text, dir) => {
      const file = path.join(dir, 'logs', 'etl.log');
      const log = createLogger({ level: 'debug', destination: out, file });
      log.debug('debug line');
      log.trace('trace line');
      expect(text()).toContain('debug line');
      expect(fs.readFileSync(file, 'utf8')).toContain('debug line');
      expect(fs.readFileSync(file, 'utf8')).not.toContain('trace line');
    });
  });

  it('keeps lines below the destination level in the file only', async () => {
    await withLogFile((out, text, dir) => {
      const file = path.join(dir, 'logs', 'backup.log');
      const log = createLogger({ level: 'info', destination: out, file, destinationLevel: 'warn' });
      log.info('backup written');
      log.warn('disk nearly full');
      const logged = fs.readFileSync(file, 'utf8');
      expect(text()).not.toContain('backup written');
      expect(text()).toContain('disk nearly full');
      expect(logged).toContain('backup written');
      expect(logged).toContain('disk nearly full');
    });
  });
});
