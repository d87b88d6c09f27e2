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

describe('logger with a file', () => {
  it('writes debug lines to the file and the stream when the level is debug', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-log-'));
    try {
      const out = new PassThrough();
      const chunks: string[] = [];
      out.on('data', (c) => chunks.push(String(c)));
      const file = path.join(dir, 'logs', 'etl.log');
      const log = createLogger({ level: 'debug', destination: out, file });
      log.debug('debug line');
      log.trace('trace line');
      expect(chunks.join('')).toContain('debug line');
      expect(fs.readFileSync(file, 'utf8')).toContain('debug line');
      expect(fs.readFileSync(file, 'utf8')).not.toContain('trace line');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logger with a file and a destination level', () => {
  it('keeps lines below the destination level in the file only', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqs-log-'));
    try {
      const out = new PassThrough();
      const chunks: string[] = [];
      out.on('data', (c) => chunks.push(String(c)));
      const file = path.join(dir, 'logs', 'backup.log');
      const log = createLogger({ level: 'info', destination: out, file, destinationLevel: 'warn' });
      log.info('backup written');
      log.warn('disk nearly full');
      const terminal = chunks.join('');
      const logged = fs.readFileSync(file, 'utf8');
      expect(terminal).not.toContain('backup written');
      expect(terminal).toContain('disk nearly full');
      expect(logged).toContain('backup written');
      expect(logged).toContain('disk nearly full');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
