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
