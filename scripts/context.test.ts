import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextOnce, createContext } from './context.ts';

const base = { WAREHOUSE_DIR: path.join(os.tmpdir(), 'mqs-context-test') };

describe('createContext', () => {
  it('uses the default log level only when LOG_LEVEL is not set', () => {
    expect(createContext({ env: base, defaultLogLevel: 'warn' }).log.level).toBe('warn');
    expect(createContext({ env: { ...base, LOG_LEVEL: 'debug' }, defaultLogLevel: 'warn' }).log.level).toBe(
      'debug',
    );
  });

  it('lets an explicit level win over LOG_LEVEL', () => {
    expect(createContext({ env: { ...base, LOG_LEVEL: 'debug' }, logLevel: 'error' }).log.level).toBe(
      'error',
    );
  });

  it('builds the context of a run once, on the first call', () => {
    const context = contextOnce({ env: base, defaultLogLevel: 'warn' });
    const first = context();
    expect(first.log.level).toBe('warn');
    expect(context()).toBe(first);
  });
});
